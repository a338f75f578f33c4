"""Audit integrity, through ``hub audit verify`` as an operator runs it: a history made
over the API, then tampered with behind the application's back (update, delete,
reorder, truncation, which only the anchor signed outside the table reveals, and a whole
tail rewritten with recomputed hashes and head, which the chain's key reveals). The unmasked view of an ID number
is an audited action; the application can delete no record, and nothing it runs on a
schedule removes old ones."""
from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from hub.audit.models import AuditChainHead, AuditRecord
from hub.audit.chain import legacy_hash
from hub.audit.services import _hashed_fields
from tests.e2e.approvals.conftest import ID_NUMBER, PHONE
from tests.proof.processes import BIN, hub_env

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def hub_audit(app: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "hub"), "audit", *args], env=hub_env(app),
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def history(app, hall, session):
    """Three cases on binhe's chain with decisions, one unmasked view, then the chain
    heads exported (as the daily ``hub audit anchor`` does)."""
    for _ in range(3):
        case = hall.submitted()
        hall.decided(hall.task(case, "market"))
    assert hall.client.get(f"/api/v1/applications/{case['id']}/applicant",
                           headers=hall.clerk.headers).status_code == 200
    verified = hub_audit(app, "verify")
    assert verified.returncode == 0, verified.stderr
    anchored = hub_audit(app, "anchor")
    assert anchored.returncode == 0, anchored.stderr
    return session


def tamper(session, sql: str, **params: Any) -> None:
    """Change the table as its owner could, bypassing the append-only triggers."""
    with session.get_bind().connect() as conn:
        conn.execute(sa.text("SET session_replication_role = replica"))
        conn.execute(sa.text(sql), params)
        conn.commit()


def binhe(session) -> list[AuditRecord]:
    session.expire_all()
    return list(session.scalars(select(AuditRecord).where(AuditRecord.chain == "binhe")
                                .order_by(AuditRecord.seq)))


def refused(app, expected: str) -> str:
    result = hub_audit(app, "verify")
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected in result.stderr, result.stderr
    return result.stderr


def test_an_updated_record_is_detected(app, history):
    tamper(history, "UPDATE audit_records SET actor = 'someone-else' "
                    "WHERE chain = 'binhe' AND seq = 2")
    refused(app, "chain=binhe seq=2: record was altered")


def test_a_deleted_record_is_detected(app, history):
    tamper(history, "DELETE FROM audit_records WHERE chain = 'binhe' AND seq = 3")
    refused(app, "record 3 is missing")


def test_reordered_records_are_detected(app, history):
    rows = binhe(history)
    a, b = rows[1].id, rows[3].id
    tamper(history, "UPDATE audit_records SET seq = -seq WHERE id IN (:a, :b)", a=a, b=b)
    tamper(history, "UPDATE audit_records SET seq = 4 WHERE id = :a", a=a)
    tamper(history, "UPDATE audit_records SET seq = 2 WHERE id = :b", b=b)
    refused(app, "chain=binhe")


def test_a_truncated_tail_with_its_head_rewritten_is_detected_by_the_anchor(app, history):
    rows = binhe(history)
    keep = rows[len(rows) // 2]
    tamper(history, "DELETE FROM audit_records WHERE chain = 'binhe' AND seq > :s", s=keep.seq)
    tamper(history, "UPDATE audit_chain_heads SET seq = :s, hash = :h WHERE chain = 'binhe'",
           s=keep.seq, h=keep.hash)
    # The table alone is consistent again: only the anchor exported outside it tells.
    stderr = refused(app, "an exported anchor is no longer on the chain")
    assert "chain=binhe" in stderr


def test_a_tail_rewritten_with_recomputed_hashes_is_detected_by_the_key_and_the_anchor(
        app, history):
    """The strongest tampering the table allows: change a record, recompute its hash and
    every later one and the head. Every link checks out; without the audit key (not in the
    database) no MAC does, and the anchor does not either."""
    rows = binhe(history)
    prev = rows[0].hash
    for rec in rows[1:]:
        if rec.seq == 2:
            rec.actor = "someone-else"
        fields = _hashed_fields(rec)
        new_hash = legacy_hash(prev, fields)
        tamper(history, "UPDATE audit_records SET actor = :actor, prev_hash = :p, hash = :h "
                        "WHERE id = :id", actor=rec.actor, p=prev, h=new_hash, id=rec.id)
        prev = new_hash
    tamper(history, "UPDATE audit_chain_heads SET hash = :h WHERE chain = 'binhe'", h=prev)
    stderr = refused(app, "chain=binhe seq=2: record was altered")
    assert "an exported anchor is no longer on the chain" in stderr


def test_viewing_an_id_number_in_clear_is_itself_audited(app, hall, session):
    case = hall.submitted()
    viewed = hall.client.get(f"/api/v1/applications/{case['id']}/applicant",
                             headers=hall.clerk.headers)
    assert viewed.status_code == 200 and viewed.get_json()["id_number"] == ID_NUMBER
    looks = list(session.scalars(select(AuditRecord).where(
        AuditRecord.action == "application.applicant_viewed",
        AuditRecord.target_id == case["id"])))
    assert [(r.actor, r.center) for r in looks] == [(hall.clerk.username, "binhe")]
    # A look that is refused leaves no trace of data, and an approver may not look.
    refused_look = hall.client.get(f"/api/v1/applications/{case['id']}/applicant",
                                   headers=hall.approvers["market"].headers)
    assert refused_look.status_code in (403, 404)
    # Nothing in the log holds the number or the phone in clear.
    text = " ".join(str((r.before, r.after)) for r in session.scalars(select(AuditRecord)))
    assert ID_NUMBER not in text and PHONE not in text


def test_the_application_can_delete_no_audit_record(app, history):
    engine = history.get_bind()
    before = history.scalar(select(func.count()).select_from(AuditRecord))
    for statement in ("UPDATE audit_records SET actor = 'x'", "DELETE FROM audit_records",
                      "TRUNCATE audit_records CASCADE"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))
    # No route writes to the audit trail: it is read with GET and nothing else.
    methods = {m for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/audit")
               for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert methods == {"GET"}
    assert history.scalar(select(func.count()).select_from(AuditRecord)) == before


def test_records_older_than_six_months_survive_every_scheduled_task(app, history, frozen_clock):
    """Retention: the hub keeps its audit log; no periodic task prunes it. Seven months
    on, every scheduled task of hub/schedule.py that runs inside the hub has run, and
    every record is still there and the chains verify."""
    from hub.schedule import beat_schedule

    before = history.scalar(select(func.count()).select_from(AuditRecord))
    frozen_clock.advance(dt.timedelta(days=213))
    celery_app = app.extensions["celery"]
    ran = []
    for name, entry in beat_schedule(app.config["HUB_SETTINGS"]).items():
        if entry["task"].startswith("sync."):
            continue  # they reach the centers' own systems, which this test does not run
        celery_app.tasks[entry["task"]].apply(throw=True)
        ran.append(entry["task"])
    assert {"outbox.reconcile", "approvals.scan_warnings"} <= set(ran)
    history.expire_all()
    assert history.scalar(select(func.count()).select_from(AuditRecord)) >= before
    oldest = history.scalar(select(func.min(AuditRecord.at)))
    assert oldest <= frozen_clock.now() - dt.timedelta(days=183)
    assert hub_audit(app, "verify").returncode == 0
    heads = history.scalar(select(func.count()).select_from(AuditChainHead))
    assert heads >= 1
