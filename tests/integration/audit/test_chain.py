"""The audit chain detects a record changed, deleted, reordered or cut off; keyed and
anchored, also a chain rewritten with recomputed hashes, records forged onto its end,
and a tail cut off with its head rewritten, by whoever can write the database."""
import datetime as dt
import json

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from hub import audit
from hub.audit.anchors import read_anchors, write_anchor
from hub.audit.chain import AuditKey, keyed_hash, legacy_hash
from hub.audit.models import AuditChainHead, AuditRecord
from hub.audit.services import _hashed_fields, keys, verify
from hub.audit.tasks import anchor as anchor_task
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


def anchor(session, folder, app):
    return write_anchor(session, folder, keys(), app.extensions["hub.clock"].now(), force=True)


def cut_tail_and_rewrite_head(session, keep_seq):
    tamper(session, "DELETE FROM audit_records WHERE chain = 'binhe' AND seq > :s", s=keep_seq)
    kept = session.execute(select(AuditRecord.hash).where(
        AuditRecord.chain == "binhe", AuditRecord.seq == keep_seq)).scalar_one()
    session.execute(sa.update(AuditChainHead).where(AuditChainHead.chain == "binhe")
                    .values(seq=keep_seq, hash=kept))
    session.commit()


def test_truncation_with_a_rewritten_head_is_detected_by_the_signed_anchor(chained, tmp_path, app):
    anchor(chained, tmp_path, app)
    cut_tail_and_rewrite_head(chained, 3)
    assert verify(chained).ok  # the database alone now looks consistent…
    report = verify(chained, read_anchors(tmp_path, keys()))  # …the anchor outside it does not
    assert [(p.chain, p.seq) for p in report.problems] == [("binhe", 6)]  # center + five
    assert "anchor" in report.problems[0].problem


def rewrite_from(session, seq, make_hash, key_id, chain="binhe", upto=None):
    """Change record ``seq`` and recompute its hash and every later one (up to ``upto``)
    and the head, as the table's owner can: the strongest tampering the database allows."""
    rows = session.scalars(select(AuditRecord).where(AuditRecord.chain == chain)
                           .order_by(AuditRecord.seq)).all()
    prev = rows[seq - 2].hash
    session.expunge_all()  # the rows are read, never flushed back
    for rec in rows[seq - 1:upto]:
        fields = _hashed_fields(rec)
        if rec.seq == seq:
            fields["actor"] = "someone-else"
        new = make_hash(prev, fields)
        tamper(session, "UPDATE audit_records SET actor = :a, prev_hash = :p, hash = :h, "
                        "key_id = :k WHERE id = :id",
               a=fields["actor"], p=prev, h=new, k=key_id, id=rec.id)
        prev = new
    if upto is None:
        session.execute(sa.update(AuditChainHead).where(AuditChainHead.chain == chain)
                        .values(hash=prev))
        session.commit()
    session.expire_all()


@pytest.mark.parametrize("attacker", ["plain sha-256", "a guessed key"])
def test_a_chain_rewritten_with_recomputed_hashes_is_detected_without_any_anchor(chained, attacker):
    guess = AuditKey.derive("a guessed key")
    if attacker == "plain sha-256":
        rewrite_from(chained, 2, legacy_hash, None)
    else:
        rewrite_from(chained, 2, lambda p, f: keyed_hash(guess, p, f), keys().current.id)
    report = verify(chained)
    assert not report.ok
    assert {p.seq for p in report.problems} >= {2, 3, 4, 5, 6}
    assert all(p.chain == "binhe" for p in report.problems)


def forge_after(session, text_key_id, make_hash):
    head = session.scalars(select(AuditChainHead).where(AuditChainHead.chain == "binhe")).one()
    forged = AuditRecord(chain="binhe", seq=head.seq + 1, at=dt.datetime(2026, 11, 30, 2, tzinfo=dt.timezone.utc),
                         actor="wang", action="application.approved", target_type="application",
                         target_id="x", center="binhe", before=None, after={"n": 1},
                         request_id="r9", prev_hash=head.hash, key_id=text_key_id)
    forged.hash = make_hash(head.hash, _hashed_fields(forged))
    session.add(forged)
    head.seq, head.hash = forged.seq, forged.hash
    session.commit()


@pytest.mark.parametrize("as_legacy", [True, False])
def test_records_forged_onto_the_end_are_detected(chained, as_legacy):
    if as_legacy:  # dressed as a record from before the chain was keyed
        forge_after(chained, None, legacy_hash)
    else:
        guess = AuditKey.derive("a guessed key")
        forge_after(chained, keys().current.id, lambda p, f: keyed_hash(guess, p, f))
    report = verify(chained)
    assert [(p.chain, p.seq) for p in report.problems] and \
        {p.seq for p in report.problems} == {7}


def test_records_from_before_the_chain_was_keyed_still_verify_and_are_covered(app, session, tmp_path):
    # Three records as the hub wrote them before this version: plain SHA-256, no key id.
    prev = "0" * 64
    with app.extensions["hub.db"].session_scope() as s:
        for seq in (1, 2, 3):
            rec = AuditRecord(chain="old", seq=seq, at=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
                              actor="old", action="thing.done", target_type="thing",
                              target_id=str(seq), center="old", before=None, after={"n": seq},
                              request_id=None, prev_hash=prev, key_id=None)
            rec.hash = legacy_hash(prev, _hashed_fields(rec))
            prev = rec.hash
            s.add(rec)
        s.add(AuditChainHead(chain="old", seq=3, hash=prev, updated_at=rec.at))
        s.commit()
        actor = Principal(username="wang", roles=frozenset({"clerk"}), center="old")
        audit.record(s, actor, "thing.done", target_type="thing", target_id=4, center="old")
        s.commit()
    report = verify(session)
    assert report.ok, report.problems
    # Rewriting the old records with plain hashes again, the keyed record after them
    # relinked: its MAC covers the old last hash, and breaks.
    rewrite_from(session, 2, legacy_hash, None, chain="old", upto=3)
    tamper(session, "UPDATE audit_records SET prev_hash = (SELECT hash FROM audit_records "
                    "WHERE chain = 'old' AND seq = 3) WHERE chain = 'old' AND seq = 4")
    problems = verify(session).problems
    assert [(p.chain, p.seq, p.problem) for p in problems] == [("old", 4, "record was altered")]


def test_after_a_signed_anchor_a_record_without_key_is_refused(chained, tmp_path, app):
    anchor(chained, tmp_path, app)
    # A chain the anchor did not know yet, made of unkeyed records.
    with chained.get_bind().connect() as conn:
        conn.execute(sa.insert(AuditRecord).values(
            chain="newcomer", seq=1, at=dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc),
            actor="x", action="thing.done", target_type="t", target_id="1", center="newcomer",
            prev_hash="0" * 64, hash="f" * 64, key_id=None))
        conn.execute(sa.insert(AuditChainHead).values(
            chain="newcomer", seq=1, hash="f" * 64, updated_at=dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)))
        conn.commit()
    report = verify(chained, read_anchors(tmp_path, keys()))
    assert any(p.chain == "newcomer" and "no key" in p.problem for p in report.problems)


def test_an_edited_anchor_is_not_trusted_and_is_reported(chained, tmp_path, app):
    path = anchor(chained, tmp_path, app)
    line = json.loads(path.read_text())
    line["heads"]["binhe"]["seq"] = 3  # to cover up the truncation below
    path.write_text(json.dumps(line) + "\n")
    cut_tail_and_rewrite_head(chained, 3)
    report = verify(chained, read_anchors(tmp_path, keys()))
    assert [p.chain for p in report.problems] == ["anchors"]
    assert "signature does not match" in report.problems[0].problem


def test_beat_s_anchor_task_appends_signed_heads_when_a_head_moved(chained, app, tmp_path):
    settings = app.config["HUB_SETTINGS"]
    folder = settings.audit_anchor_dir
    first = anchor_task.apply().get()
    assert first and first.startswith(folder)
    assert anchor_task.apply().get() is None  # no head moved: nothing written
    actor = Principal(username="wang", roles=frozenset({"clerk"}), center="binhe")
    with app.extensions["hub.db"].session_scope() as s:
        audit.record(s, actor, "thing.done", target_type="thing", target_id=9, center="binhe")
        s.commit()
    assert anchor_task.apply().get() == first  # the day's file, one more line
    lines = [json.loads(x) for x in open(first, encoding="utf-8").read().splitlines()]
    assert [line["heads"]["binhe"]["seq"] for line in lines] == [6, 7]
    assert all(line["key_id"] == keys().current.id and line["signature"] for line in lines)
    assert verify(chained, read_anchors(folder, keys())).ok
