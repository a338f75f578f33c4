"""A transaction takes its chain's head once: the second and third records of one change
(a decision writes two or three) reuse the head it locked; the next transaction locks it
again; the chain is whole either way."""
from __future__ import annotations

from sqlalchemy import event, select

from hub import audit
from hub.audit.models import AuditChainHead
from hub.audit.services import verify
from hub.permissions import Principal

ACTOR = Principal(username="wang", roles=frozenset({"clerk"}), center="binhe", request_id="r1")


def head_seq(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(select(AuditChainHead.seq).where(AuditChainHead.chain == "binhe")).one()


def head_reads(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every statement that reads the audit chain heads, from now on."""
    seen: list[str] = []

    @event.listens_for(app.extensions["hub.db"].engine, "before_cursor_execute")
    def _record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "audit_chain_heads" in statement:
            seen.append(statement)

    return seen


def test_one_transaction_locks_its_chain_head_once(app, session):
    database = app.extensions["hub.db"]
    with database.session_scope() as work:  # the chain exists already
        audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=0, center="binhe")
        work.commit()
    base = head_seq(session)
    reads = head_reads(app)
    with database.session_scope() as work:
        for n in range(1, 4):
            audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=n,
                         center="binhe")
        audit.record(work, ACTOR, "department.created", target_type="department",
                     target_id="x")  # another chain: its own head
        work.commit()
        assert len(reads) == 2
        audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=4,
                     center="binhe")  # a new transaction: locked again
        work.commit()
    assert len(reads) == 3
    assert head_seq(session) == base + 4
    assert verify(session).ok


def test_a_rolled_back_transaction_leaves_the_head_to_the_next(app, session):
    database = app.extensions["hub.db"]
    with database.session_scope() as work:  # the chain exists already
        audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=0, center="binhe")
        work.commit()
    base = head_seq(session)
    with database.session_scope() as work:
        audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=1, center="binhe")
        work.rollback()
        audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=2, center="binhe")
        audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=3, center="binhe")
        work.commit()
    assert head_seq(session) == base + 2
    assert verify(session).ok


def test_a_head_locked_before_is_read_again_after_another_session_wrote(app, session):
    """A session keeps its objects after a commit (expire_on_commit=False): the head it
    locked in an earlier transaction must be read afresh when locked again, or its next
    record would take a sequence number another process already wrote."""
    database = app.extensions["hub.db"]
    with database.session_scope() as mine:
        audit.record(mine, ACTOR, "thing.done", target_type="thing", target_id=1, center="binhe")
        mine.commit()
        with database.session_scope() as other:  # another process, meanwhile
            audit.record(other, ACTOR, "thing.done", target_type="thing", target_id=2,
                         center="binhe")
            other.commit()
        audit.record(mine, ACTOR, "thing.done", target_type="thing", target_id=3, center="binhe")
        mine.commit()
    assert verify(session).ok
