"""A transaction takes its chain's head once, when it commits: the records of one change
(a decision writes two or three) are appended together; the next transaction locks it
again; the chain is whole either way."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from hub import audit
from hub.audit.models import AuditChainHead, AuditRecord
from hub.audit.services import verify
from hub.permissions import Principal

ACTOR = Principal(username="wang", roles=frozenset({"clerk"}), center="binhe", request_id="r1")


def head_seq(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(select(AuditChainHead.seq).where(AuditChainHead.chain == "binhe")).one()


def started_chain(app, session) -> int:  # type: ignore[no-untyped-def]
    """binhe's chain with a first record: its head's seq."""
    with app.extensions["hub.db"].session_scope() as work:
        audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=0, center="binhe")
        work.commit()
    return head_seq(session)


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
    base = started_chain(app, session)
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
    base = started_chain(app, session)
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


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_head_is_locked_only_when_the_transaction_commits(app, session):
    """A center's other writers do not wait for the rest of a transaction that recorded
    something: the head is locked at its commit, where its records take their places."""
    database = app.extensions["hub.db"]
    base = started_chain(app, session)
    with database.session_scope() as mine:
        audit.record(mine, ACTOR, "thing.done", target_type="thing", target_id=1, center="binhe")
        with database.session_scope() as other:  # would wait for mine's lock if it held one
            audit.record(other, ACTOR, "thing.done", target_type="thing", target_id=2,
                         center="binhe")
            other.commit()
        mine.commit()
    assert head_seq(session) == base + 2
    assert [r.target_id for r in session.scalars(
        select(AuditRecord).where(AuditRecord.chain == "binhe", AuditRecord.seq > base)
        .order_by(AuditRecord.seq))] == ["2", "1"]
    assert verify(session).ok


def test_a_transactions_records_are_appended_in_two_statements_per_chain(app, session):
    database = app.extensions["hub.db"]
    with database.session_scope() as work:  # the chains exist already
        for center in ("binhe", None):
            audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=0,
                         center=center)
        work.commit()
    seen: list[str] = []
    engine = database.engine
    sql = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", sql)
    try:
        with database.session_scope() as work:
            work.connection()
            for n in range(3):
                audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=n,
                             center="binhe")
            audit.record(work, ACTOR, "department.created", target_type="department",
                         target_id="x")
            work.commit()
    finally:
        event.remove(engine, "before_cursor_execute", sql)
    per_chain = 2 if engine.dialect.name == "postgresql" else 3  # SQLite: no WITH … INSERT
    assert len([s for s in seen if "audit_" in s]) == 2 * per_chain
    assert verify(session).ok


def test_a_session_of_a_factory_that_does_not_write_the_records_is_refused(app):
    from sqlalchemy.orm import Session

    with Session(app.extensions["hub.db"].engine) as bare, pytest.raises(RuntimeError):
        audit.record(bare, ACTOR, "thing.done", target_type="thing", target_id=0,
                     center="binhe")


def test_no_record_is_made_inside_a_savepoint(app):
    """A savepoint rolled back would leave its records to the outer commit."""
    with app.extensions["hub.db"].session_scope() as work:
        with work.begin_nested(), pytest.raises(RuntimeError):
            audit.record(work, ACTOR, "thing.done", target_type="thing", target_id=0,
                         center="binhe")
