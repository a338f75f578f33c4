"""The transactional outbox: write a message with the change it follows; the relay
publishes it after the commit; consumers dedupe.

- ``enqueue`` adds a row in the caller's transaction (nothing is sent if it rolls back).
- The relay claims due rows (a short transaction: it leases them), commits, publishes
  each with publisher confirms, then marks it sent. A crash between publish and mark
  leaves the row to be published again once its lease runs out: delivery is at least
  once, so every consumer dedupes with ``claim``.
- A row that cannot be published after ``MAX_ATTEMPTS`` tries, or whose message was
  dead-lettered by the broker after too many deliveries, is marked ``failed``: a
  visible incident (log event, ``failed`` count), never an endless loop.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from typing import Any, NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from hub import clock
from hub.db import TransactionState, insert_for, upsert
from hub.outbox.models import OutboxMessage, ProcessedMessage

log = logging.getLogger("hub.outbox")

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(seconds=60)  # a claimed row is the claimer's for this long
PENDING, SENT, FAILED = "pending", "sent", "failed"


class Message(NamedTuple):
    """One message to write: for the Celery task ``topic``, ``payload`` (JSON, ids and
    never personal data), ``dedupe_key`` UNIQUE, due at ``available_at`` (now if None)."""

    topic: str
    payload: dict[str, Any]
    dedupe_key: str
    available_at: dt.datetime | None = None


def _row(message: Message, now: dt.datetime) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "topic": message.topic, "payload": message.payload,
            "dedupe_key": message.dedupe_key, "status": PENDING, "attempts": 0,
            "created_at": now, "available_at": message.available_at or now,
            "sent_at": None, "last_error": None}


def enqueue(session: Session, task_name: str, payload: dict[str, Any], *, dedupe_key: str,
            available_at: dt.datetime | None = None) -> OutboxMessage:
    """Write a message for the Celery task ``task_name`` in the caller's transaction.

    ``dedupe_key`` is UNIQUE: enqueuing the same key twice keeps the first message.
    ``payload`` must be JSON and must not hold personal data (ids, not ID numbers).
    """
    values = _row(Message(task_name, payload, dedupe_key, available_at), clock.now())
    # RETURNING tells in the same round trip whether the row is new; only a key already
    # enqueued needs the look-up. A Core statement built once: the ORM's insert path
    # costs several times as much (docs/BENCHMARKS.md).
    written = session.execute(_enqueue_statement(session.get_bind().dialect.name),
                              values).scalar_one_or_none()
    _WROTE.put(session, True)
    if written is not None:
        row = OutboxMessage(**values)
        make_transient_to_detached(row)  # persistent as inserted, without reading it back
        session.add(row)
        return row
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
    ).one()


def enqueue_many(session: Session, messages: Sequence[Message]) -> None:
    """``enqueue`` for the messages of one change, in one statement (the rows of an
    executemany, sent by SQLAlchemy as one multi-row INSERT): a stage's opening writes
    three or more (issue 23). A key enqueued already keeps its first message."""
    if not messages:
        return
    now = clock.now()
    rows = [_row(message, now) for message in messages]
    for n, row in enumerate(rows):
        # Written a microsecond apart: the relay takes messages due at the same time in
        # the order they were written (then by id, which is random).
        row["created_at"] = now + dt.timedelta(microseconds=n)
    session.execute(_enqueue_statement(session.get_bind().dialect.name), rows)
    _WROTE.put(session, True)


@functools.lru_cache(maxsize=4)
def _enqueue_statement(dialect: str) -> Any:
    table = OutboxMessage.__table__
    return (insert_for(dialect)(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id))


def claim(session: Session, consumer: str, message_id: str) -> bool:
    """Record that ``consumer`` handles ``message_id``, in the consumer's own transaction.

    True: first time, do the work (and commit it with this record). False: already
    done (or being done by a transaction that will commit first): do nothing.
    """
    return str(message_id) in claim_many(session, consumer, [message_id])


def claim_many(session: Session, consumer: str, message_ids: Collection[str]) -> set[str]:
    """``claim`` for a batch of messages in one statement: the ids handled for the first
    time (the others were done already, or are being done by a transaction that will
    commit first)."""
    if not message_ids:
        return set()
    now = clock.now()
    # RETURNING, not rowcount: with an implicit RETURNING psycopg reports rowcount -1.
    return set(session.scalars(
        upsert(session, ProcessedMessage)
        .values([{"consumer": consumer, "message_id": str(m), "processed_at": now}
                 for m in message_ids])
        .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
        .returning(ProcessedMessage.message_id)
    ))


# -- The relay -----------------------------------------------------------------------------

# Whether the transaction wrote messages: read by the hook that kicks the relay after it.
_WROTE: TransactionState[bool] = TransactionState("hub.outbox.wrote")

Publisher = Callable[[OutboxMessage], None]


@dataclasses.dataclass(frozen=True)
class Batches:
    """The topics whose consumer takes a batch of messages, and how one batch (the rows
    of one topic claimed together) is published: one message, one transaction for the
    consumer instead of one per row."""

    topics: frozenset[str]
    publish: Callable[[Sequence[OutboxMessage]], None]


NO_BATCHES = Batches(frozenset(), lambda rows: None)


@dataclasses.dataclass
class RelayReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def wrote_messages(session: Session) -> bool:
    """Whether ``enqueue`` wrote in the session's transaction (read once, by the hooks
    after its commit or rollback)."""
    return bool(_WROTE.pop(session))


@dataclasses.dataclass(frozen=True)
class Topics:
    """Which topics a relay publishes: ``only`` these (None: every topic) but ``not_``
    these."""

    only: frozenset[str] | None = None
    not_: frozenset[str] = frozenset()


EVERY_TOPIC = Topics()


def _claim_batch(session: Session, limit: int, topics: Topics) -> list[OutboxMessage]:
    now = clock.now()
    stmt = (select(OutboxMessage)
            .where(OutboxMessage.status == PENDING, OutboxMessage.available_at <= now)
            .order_by(OutboxMessage.available_at, OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit))
    if topics.only is not None:
        stmt = stmt.where(OutboxMessage.topic.in_(sorted(topics.only)))
    if topics.not_:
        stmt = stmt.where(OutboxMessage.topic.not_in(sorted(topics.not_)))
    if session.get_bind().dialect.name == "postgresql":
        # Several relays at once each take other rows instead of waiting.
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    for row in rows:
        row.attempts += 1
        row.available_at = now + LEASE
    session.commit()
    return rows


def relay(session: Session, publish: Publisher, *, limit: int = 200,
          topics: Topics = EVERY_TOPIC, batches: Batches = NO_BATCHES) -> RelayReport:
    """Publish the due messages: claim a batch (committed), publish each (the rows of a
    topic in ``batches`` together, as one message), mark the published ones sent (one
    UPDATE per batch: a crash before it only means they are published again once their
    lease runs out, which consumers dedupe anyway).

    No database lock is held while publishing, so a consumer running inline (the
    embedded default) can write freely.
    """
    report = RelayReport()
    rows = _claim_batch(session, limit, topics)
    report.claimed = len(rows)
    grouped: dict[str, list[OutboxMessage]] = {}
    units: list[list[OutboxMessage]] = []
    for row in rows:
        if row.topic in batches.topics:
            if row.topic not in grouped:
                grouped[row.topic] = []
                units.append(grouped[row.topic])
            grouped[row.topic].append(row)
        else:
            units.append([row])
    sent: list[uuid.UUID] = []
    for unit in units:
        try:
            if unit[0].topic in batches.topics:
                batches.publish(unit)
            else:
                publish(unit[0])
        except Exception as exc:  # the broker or an inline consumer failed: retry later
            for row in unit:
                _publish_failed(session, row, exc, report)
            continue
        sent.extend(row.id for row in unit)
    if sent:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(sent))
                        .values(status=SENT, sent_at=clock.now(), last_error=None))
        session.commit()
        report.sent = len(sent)
    return report


def _publish_failed(session: Session, row: OutboxMessage, exc: Exception,
                    report: RelayReport) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts >= MAX_ATTEMPTS:
        values: dict[str, Any] = {"status": FAILED, "last_error": error}
        report.failed += 1
        log.error("outbox_message_failed id=%s topic=%s attempts=%s error=%s",
                  row.id, row.topic, row.attempts, type(exc).__name__)
    else:
        # Exponential backoff: 2, 4, 8 … seconds, capped at ten minutes.
        delay = dt.timedelta(seconds=min(600, 2 ** row.attempts))
        values = {"available_at": clock.now() + delay, "last_error": error}
        report.retried += 1
        log.warning("outbox_publish_retry id=%s topic=%s attempts=%s error=%s",
                    row.id, row.topic, row.attempts, type(exc).__name__)
    session.rollback()
    session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values))
    session.commit()


def mark_failed(session: Session, message_id: str, reason: str) -> bool:
    """Mark a message failed (its broker delivery gave up) unless its consumer handled it;
    the caller commits. True when a row changed."""
    try:
        key = uuid.UUID(str(message_id))
    except ValueError:
        return False
    # A message its consumer claimed was handled (a batch dead-lettered for one of its
    # messages carries the others, written): only the rest are incidents.
    handled = select(ProcessedMessage.id).where(
        ProcessedMessage.consumer == OutboxMessage.topic,
        ProcessedMessage.message_id == str(key)).exists()
    result = session.execute(
        update(OutboxMessage).where(OutboxMessage.id == key, OutboxMessage.status != FAILED,
                                    ~handled)
        .values(status=FAILED, last_error=reason[:2000])
    )
    if result.rowcount:
        log.error("outbox_message_failed id=%s reason=%s", message_id, reason[:200])
    return bool(result.rowcount)


def counts(session: Session) -> dict[str, int]:
    """Messages per status (``failed`` is the incident count to alert on)."""
    rows = session.execute(select(OutboxMessage.status, func.count())
                           .group_by(OutboxMessage.status)).all()
    return {PENDING: 0, SENT: 0, FAILED: 0, **{status: n for status, n in rows}}


__all__ = ["EVERY_TOPIC", "MAX_ATTEMPTS", "NO_BATCHES", "Batches", "RelayReport", "Topics", "claim",
           "claim_many", "counts", "enqueue", "mark_failed", "relay", "wrote_messages"]
