"""The audit chain detects a record changed, deleted, reordered or cut off."""
import pytest
import sqlalchemy as sa
from sqlalchemy import select

from hub import audit
from hub.audit.models import AuditChainHead, AuditRecord
from hub.audit.services import export_anchor, load_anchors, verify
from hub.permissions import Principal


@pytest.fixture
def chained(app, session):
    """Five records on binhe's chain and one on the hub chain."""
    actor = Principal(username="wang", roles=frozenset({"clerk"}), center="binhe", request_id="r1")
    with app.extensions["hub.db"].session_scope() as s:
        for n in range(5):
            audit.record(s, actor, "thing.done", target_type="thing", target_id=n, center="binhe",
                         before={"n": n}, after={"n": n + 1, "名称": "值"})
        audit.record(s, actor, "department.created", target_type="department", target_id="x")
        s.commit()
    assert verify(session).ok
    return session


def tamper(session, sql, **params):
    """Change the table behind the application's back (its triggers refuse)."""
    engine = session.get_bind()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET session_replication_role = replica"))
            conn.execute(sa.text(sql), params)
            conn.execute(sa.text("SET session_replication_role = origin"))
        else:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_records_no_update"))
            conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_records_no_delete"))
            conn.execute(sa.text(sql), params)
        conn.commit()


def binhe_seq_ids(session):
    return session.execute(select(AuditRecord.seq, AuditRecord.id).where(
        AuditRecord.chain == "binhe").order_by(AuditRecord.seq)).all()


def test_the_application_cannot_change_or_delete_records(chained, app):
    engine = chained.get_bind()
    for statement in ("UPDATE audit_records SET actor = 'x'", "DELETE FROM audit_records"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))
    assert verify(chained).ok


def test_an_altered_record_is_detected(chained):
    tamper(chained, "UPDATE audit_records SET actor = 'someone-else' WHERE chain = 'binhe' AND seq = 3")
    report = verify(chained)
    assert not report.ok
    assert [(p.chain, p.seq) for p in report.problems] == [("binhe", 3)]
    assert "altered" in report.problems[0].problem


def test_a_deleted_record_is_detected(chained):
    tamper(chained, "DELETE FROM audit_records WHERE chain = 'binhe' AND seq = 2")
    problems = verify(chained).problems
    assert any(p.seq == 2 and "missing" in p.problem for p in problems)


def test_reordered_records_are_detected(chained):
    rows = binhe_seq_ids(chained)
    (_, id2), (_, id4) = rows[1], rows[3]
    tamper(chained, "UPDATE audit_records SET seq = -1 WHERE id = :a", a=id2)
    tamper(chained, "UPDATE audit_records SET seq = 2 WHERE id = :b", b=id4)
    tamper(chained, "UPDATE audit_records SET seq = 4 WHERE id = :a", a=id2)
    assert not verify(chained).ok


def test_truncating_the_tail_is_detected_by_the_head(chained):
    tamper(chained, "DELETE FROM audit_records WHERE chain = 'binhe' AND seq >= 4")
    problems = verify(chained).problems
    assert any("cut off" in p.problem for p in problems)


def test_truncation_with_a_rewritten_head_is_detected_by_the_exported_anchor(chained, tmp_path):
    export_anchor(chained, tmp_path)
    tamper(chained, "DELETE FROM audit_records WHERE chain = 'binhe' AND seq >= 4")
    rows = chained.execute(select(AuditRecord.hash).where(
        AuditRecord.chain == "binhe", AuditRecord.seq == 3)).scalar_one()
    chained.execute(sa.update(AuditChainHead).where(AuditChainHead.chain == "binhe")
                    .values(seq=3, hash=rows))
    chained.commit()
    assert verify(chained).ok  # the database alone now looks consistent…
    report = verify(chained, load_anchors(tmp_path))  # …the anchor outside it does not
    assert [p.chain for p in report.problems] == ["binhe"]
    assert "anchor" in report.problems[0].problem
