"""The outbox on both databases: written with the transaction or not at all, deduplicated,
relayed with leases (no row published by two relays), retried with backoff, ending as a
failed row; consumers claim each message once."""
from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from hub import db
from hub.outbox import services
from hub.outbox.models import OutboxMessage, ProcessedMessage
from hub.outbox.publishing import run_relay


def rows(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))


def test_a_message_exists_only_if_its_transaction_commits(app, session):
    with db.get_database(app).session_scope() as work:
        services.enqueue(work, "approvals.notify", {"kind": "x"}, dedupe_key="gone")
        work.rollback()
    assert rows(session) == []
    with db.get_database(app).session_scope() as work:
        first = services.enqueue(work, "tests.nothing", {"n": 1}, dedupe_key="kept")
        again = services.enqueue(work, "tests.nothing", {"n": 2}, dedupe_key="kept")
        assert first.id == again.id and again.payload == {"n": 1}
        work.commit()
    assert [r.dedupe_key for r in rows(session)] == ["kept"]


def test_the_messages_of_one_change_are_written_in_one_statement(app, session):
    database = db.get_database(app)
    with database.session_scope() as work:
        services.enqueue(work, "tests.nothing", {"n": "first"}, dedupe_key="m0")
        work.commit()
    inserts: list[str] = []
    sql = lambda conn, cursor, statement, *args: inserts.append(statement)  # noqa: E731
    sa.event.listen(database.engine, "before_cursor_execute", sql)
    try:
        with database.session_scope() as work:
            services.enqueue_many(work, [services.Message("tests.nothing", {"n": n}, f"m{n}")
                                         for n in range(6)])
            work.commit()
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", sql)
    assert len([s for s in inserts if "INSERT INTO outbox_messages" in s]) == 1
    kept = {r.dedupe_key: r.payload for r in rows(session)}
    assert kept == {"m0": {"n": "first"}, **{f"m{n}": {"n": n} for n in range(1, 6)}}
    due = sorted(rows(session), key=lambda r: (r.available_at, r.created_at, r.id))  # relay's
    assert [r.dedupe_key for r in due if r.dedupe_key != "m0"] == [f"m{n}" for n in range(1, 6)]


def test_relay_publishes_once_and_marks_sent(app, session):
    published: list[str] = []
    with db.get_database(app).session_scope() as work:
        for n in range(5):
            services.enqueue(work, "tests.t", {"n": n}, dedupe_key=f"m{n}")
        services.wrote_messages(work)  # no kick after the commit: this test relays by hand
        work.commit()
        report = services.relay(work, lambda row: published.append(str(row.id)), limit=2)
    assert (report.claimed, report.sent) == (2, 2)
    with db.get_database(app).session_scope() as work:
        services.relay(work, lambda row: published.append(str(row.id)))
    assert sorted(published) == sorted(str(r.id) for r in rows(session))
    assert {r.status for r in rows(session)} == {"sent"}
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows(session))


def test_two_relays_at_once_never_publish_a_row_twice(app, session):
    with db.get_database(app).session_scope() as work:
        for n in range(40):
            services.enqueue(work, "tests.t", {"n": n}, dedupe_key=f"c{n}")
        services.wrote_messages(work)
        work.commit()
    published: list[str] = []
    lock, barrier = threading.Lock(), threading.Barrier(2)

    def relay() -> None:
        barrier.wait()
        with app.app_context(), db.get_database(app).session_scope() as work:
            for _ in range(10):
                report = services.relay(work, lambda row: (lock.acquire(), published.append(
                    str(row.id)), lock.release()), limit=5)
                if not report.claimed:
                    break

    threads = [threading.Thread(target=relay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(published) == 40 and len(set(published)) == 40


def test_publish_failures_back_off_then_end_as_a_visible_failure(app, session, frozen_clock,
                                                                 caplog):
    caplog.set_level(logging.WARNING, logger="hub.outbox")
    with db.get_database(app).session_scope() as work:
        services.enqueue(work, "tests.t", {}, dedupe_key="doomed")
        services.wrote_messages(work)
        work.commit()

    def broken(_row: OutboxMessage) -> None:
        raise ConnectionError("broker unreachable")

    delays = []
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        with db.get_database(app).session_scope() as work:
            report = services.relay(work, broken)
            assert report.claimed == 1
            # Not due again before its backoff is over.
            assert services.relay(work, broken).claimed == 0
        [row] = rows(session)
        assert row.attempts == attempt and "broker unreachable" in row.last_error
        if row.status == "failed":
            break
        delays.append((row.available_at - frozen_clock.now()).total_seconds())
        frozen_clock.set(row.available_at)
    assert row.status == "failed" and row.attempts == services.MAX_ATTEMPTS
    assert delays == sorted(delays) and delays[0] == 2
    assert "outbox_message_failed" in caplog.text
    with db.get_database(app).session_scope() as work:
        assert services.counts(work)["failed"] == 1


def test_a_claimed_row_whose_relay_died_is_published_again_after_its_lease(
        app, session, frozen_clock):
    with db.get_database(app).session_scope() as work:
        services.enqueue(work, "tests.t", {}, dedupe_key="leased")
        services.wrote_messages(work)
        work.commit()

    class Died(BaseException):
        """The relay's process dies between claiming and publishing."""

    def die(_row: OutboxMessage) -> None:
        raise Died

    with db.get_database(app).session_scope() as work, pytest.raises(Died):
        services.relay(work, die)
    published: list[str] = []
    with db.get_database(app).session_scope() as work:
        assert services.relay(work, lambda r: published.append(r.dedupe_key)).claimed == 0
    frozen_clock.advance(services.LEASE + dt.timedelta(seconds=1))
    with db.get_database(app).session_scope() as work:
        services.relay(work, lambda r: published.append(r.dedupe_key))
    assert published == ["leased"] and rows(session)[0].status == "sent"


def test_claim_lets_a_consumer_act_once(app, session):
    with db.get_database(app).session_scope() as work:
        assert services.claim(work, "consumer-a", "m-1") is True
        work.commit()
        assert services.claim(work, "consumer-a", "m-1") is False
        assert services.claim(work, "consumer-b", "m-1") is True
        work.commit()
    assert session.scalar(select(func.count()).select_from(ProcessedMessage)) == 2


def test_in_process_relay_runs_after_the_commit_and_an_unknown_task_fails_visibly(
        app, session, frozen_clock):
    with db.get_database(app).session_scope() as work:
        services.enqueue(work, "no.such.task", {}, dedupe_key="unknown")
        work.commit()  # the kick runs the relay in-process: the task is not registered
    [row] = rows(session)
    assert row.status == "pending" and "no.such.task" in row.last_error
    for _ in range(services.MAX_ATTEMPTS):
        frozen_clock.advance(dt.timedelta(minutes=15))
        run_relay(app)
    assert rows(session)[0].status == "failed"


def test_the_rows_of_a_batched_topic_are_published_together(app, session):
    with db.get_database(app).session_scope() as work:
        for n in range(5):
            services.enqueue(work, "tests.batched", {"n": n}, dedupe_key=f"b{n}")
        services.enqueue(work, "tests.single", {}, dedupe_key="s")
        services.wrote_messages(work)
        work.commit()
    singles: list[str] = []
    groups: list[list[int]] = []
    batches = services.Batches(frozenset({"tests.batched"}),
                               lambda rows: groups.append([r.payload["n"] for r in rows]))
    with db.get_database(app).session_scope() as work:
        report = services.relay(work, lambda row: singles.append(row.dedupe_key),
                                batches=batches)
    assert (report.claimed, report.sent) == (6, 6)
    assert singles == ["s"] and len(groups) == 1 and sorted(groups[0]) == [0, 1, 2, 3, 4]
    assert {r.status for r in rows(session)} == {"sent"}


def test_a_batch_that_cannot_be_published_is_retried_row_by_row(app, session):
    with db.get_database(app).session_scope() as work:
        for n in range(3):
            services.enqueue(work, "tests.batched", {"n": n}, dedupe_key=f"f{n}")
        services.wrote_messages(work)
        work.commit()

    def broken(_rows) -> None:  # type: ignore[no-untyped-def]
        raise ConnectionError("broker unreachable")

    with db.get_database(app).session_scope() as work:
        report = services.relay(work, lambda row: None,
                                batches=services.Batches(frozenset({"tests.batched"}), broken))
    assert (report.claimed, report.sent, report.retried) == (3, 0, 3)
    assert {(r.status, r.attempts) for r in rows(session)} == {("pending", 1)}


def test_claim_many_takes_each_message_once(app, session):
    with db.get_database(app).session_scope() as work:
        assert services.claim_many(work, "consumer-a", ["m-1", "m-2"]) == {"m-1", "m-2"}
        work.commit()
        assert services.claim_many(work, "consumer-a", ["m-2", "m-3"]) == {"m-3"}
        assert services.claim_many(work, "consumer-a", []) == set()
        work.commit()
    assert session.scalar(select(func.count()).select_from(ProcessedMessage)) == 3


def test_a_dead_letter_fails_only_the_rows_its_consumer_did_not_handle(app, session):
    # A batch rejected for one poison message carries the others, already written.
    handled = services.enqueue(session, "approvals.notify", {"n": 1}, dedupe_key="dl:1")
    unhandled = services.enqueue(session, "approvals.notify", {"n": 2}, dedupe_key="dl:2")
    session.commit()
    assert services.claim(session, "approvals.notify", str(handled.id))
    assert not services.mark_failed(session, str(handled.id), "consumer failed")
    assert services.mark_failed(session, str(unhandled.id), "consumer failed")
    session.commit()
    assert session.get(OutboxMessage, handled.id).status != "failed"
    assert session.get(OutboxMessage, unhandled.id).status == "failed"
