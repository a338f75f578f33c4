"""How outbox rows reach Celery: the publisher (in-process or to the broker), the
relay kicked after every commit that wrote messages, and the dead letters: the queue
where RabbitMQ puts what it gave up on (the Celery app's quorum queues name it), its
declaration and its drain.

Wired by the Celery composition root (``celery_init_app`` calls ``init_app``).
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from celery import Celery, bootsteps
from flask import Flask
from kombu import Exchange, Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

from hub import db
from hub.outbox import services
from hub.outbox.models import OutboxMessage

log = logging.getLogger("hub.outbox")

_local = threading.local()
MAX_ROUNDS = 20  # inline relay: rounds of batches per kick (consumers may enqueue more)
DEAD_LETTER_EXCHANGE = "hub.dead-letter"
DEAD_LETTER_QUEUE = "hub.dead-letter"


def _send(celery_app: Celery, name: str, kwargs: dict[str, Any], task_id: str) -> None:
    if celery_app.conf.task_always_eager:
        task = celery_app.tasks.get(name)
        if task is None:
            raise LookupError(f"no Celery task named {name!r} is registered")
        task.apply(kwargs=kwargs, task_id=task_id, throw=True)
        return
    celery_app.send_task(name, kwargs=kwargs, task_id=task_id, retry=True,
                         retry_policy={"max_retries": 2, "interval_start": 0.2,
                                       "interval_step": 0.5, "interval_max": 1})


def publisher(celery_app: Celery) -> services.Publisher:
    """Publish a row: in-process (the embedded default) or to the broker with
    publisher confirms, the row's id as the task id and ``message_id``."""

    def publish(row: OutboxMessage) -> None:
        _send(celery_app, row.topic, {**row.payload, "message_id": str(row.id)}, str(row.id))

    return publish


def batch_consumers(celery_app: Celery) -> dict[str, str]:
    """Topic → the task that takes a batch of its messages: declared on the task with
    ``batch_of=<topic>``; it receives ``messages``, each the payload with its
    ``message_id``, and dedupes each as the single consumer does."""
    return {task.batch_of: name for name, task in celery_app.tasks.items()
            if getattr(task, "batch_of", None)}


def batches(celery_app: Celery) -> services.Batches:
    """How the relay publishes the rows of a batched topic claimed together: one task
    message (its own id; the rows' ids travel in it, for the dead letters)."""
    consumers = batch_consumers(celery_app)

    def publish(rows: Sequence[OutboxMessage]) -> None:
        messages = [{**row.payload, "message_id": str(row.id)} for row in rows]
        _send(celery_app, consumers[rows[0].topic], {"messages": messages}, str(uuid.uuid4()))

    return services.Batches(frozenset(consumers), publish)


def run_relay(app: Flask, topics: services.Topics = services.EVERY_TOPIC
              ) -> services.RelayReport:
    """Relay every due message of ``topics`` now (batches until none is left, bounded)."""
    celery_app = app.extensions["celery"]
    limit = app.config["HUB_SETTINGS"].outbox_relay_batch
    total = services.RelayReport()
    with app.app_context(), db.get_database(app).session_scope() as session:
        for _ in range(MAX_ROUNDS):
            report = services.relay(session, publisher(celery_app), limit=limit,
                                    topics=topics, batches=batches(celery_app))
            for field in ("claimed", "sent", "retried", "failed"):
                setattr(total, field, getattr(total, field) + getattr(report, field))
            if report.claimed < limit:
                break
    return total


def off_request_topics(celery_app: Celery) -> frozenset[str]:
    """The topics whose consumer calls another system (declared on the task with
    ``off_request=True``): on the embedded default they never run in a request's thread,
    which would wait for that system's answer, up to its timeout."""
    return frozenset(name for name, task in celery_app.tasks.items()
                     if getattr(task, "off_request", False))


def kick(app: Flask) -> None:
    """After a commit that wrote messages: relay them now. In-process, the consumers
    run here (no lock is held: the commit is done), except those that call another
    system, which this process's off-request relay runs; with a broker, a relay task is
    queued by this process's kicker, which sends one for all the commits of a few
    milliseconds. A failure only delays the messages: the periodic reconciler re-drives."""
    if getattr(_local, "relaying", False):
        return  # a consumer running inline committed: the outer relay loop picks it up
    celery_app = app.extensions["celery"]
    try:
        if celery_app.conf.task_always_eager:
            remote = off_request_topics(celery_app)
            _local.relaying = True
            try:
                run_relay(app, services.Topics(not_=remote))
            finally:
                _local.relaying = False
            if remote:
                off_request_relay(app).kick()
        else:
            _kicker(celery_app).kick()
    except Exception as exc:  # never fail the request that already committed
        log.warning("outbox_kick_failed error=%s", type(exc).__name__)


class OffRequestRelay:
    """The embedded default's relay of the off-request topics, in a thread of its own:
    kicked after the commits that wrote messages, and every ``poll`` seconds for the
    retries that fall due while nothing is committed. Its consumers' own commits relay
    the in-process topics here, in this thread."""

    def __init__(self, app: Flask, poll: float) -> None:
        self.app = app
        self.poll = poll
        self.pending = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.stopped = threading.Event()
        # Ends with the app's database (its engine disposed: a test's app, a command's).
        event.listen(db.get_database(app).engine, "engine_disposed", self._stop)
        self.thread = threading.Thread(target=self._run, name="outbox-off-request",
                                       daemon=True)
        self.thread.start()

    def kick(self) -> None:
        self.idle.clear()
        self.pending.set()

    def _stop(self, _engine: Any) -> None:
        self.stopped.set()
        self.pending.set()
        _relays.pop((os.getpid(), id(self.app)), None)

    def _run(self) -> None:
        while True:
            self.pending.wait(self.poll)
            if self.stopped.is_set():
                self.idle.set()
                return
            self.idle.clear()
            self.pending.clear()
            try:
                remote = off_request_topics(self.app.extensions["celery"])
                run_relay(self.app, services.Topics(only=remote))
            except Exception as exc:  # the next kick or poll tries again
                log.warning("outbox_off_request_relay_failed error=%s", type(exc).__name__)
            finally:
                if not self.pending.is_set():
                    self.idle.set()

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until nothing kicked is left to relay (for tests and the demo's story)."""
        deadline = time.monotonic() + timeout
        while not self.idle.wait(0.01) or self.pending.is_set():
            if time.monotonic() > deadline:
                raise TimeoutError("the off-request relay did not settle")
            time.sleep(0.005)


_relays: dict[tuple[int, int], OffRequestRelay] = {}


def off_request_relay(app: Flask) -> OffRequestRelay:
    """This process's off-request relay of ``app`` (a forked child starts its own)."""
    return _per_process(_relays, app, lambda: OffRequestRelay(
        app, app.config["HUB_SETTINGS"].outbox_off_request_poll_seconds))


def settle(app: Flask, timeout: float = 30.0) -> None:
    """Wait for the embedded default's off-request relay, if it runs, to be idle."""
    found = _relays.get((os.getpid(), id(app)))
    if found is not None:
        found.settle(timeout)


# Seconds: the commits of this window share one relay task. 0.2, not 0.05: a busy hub's
# worker ran a relay task (and a notification batch) for every two or three commits;
# a fifth of a second more before a notification halved the worker's and the broker's
# CPU per application (same-run A/B, docs/BENCHMARKS.md, issue 23).
KICK_WINDOW = 0.2


class _Kicker:
    """Sends ``outbox.relay`` from a thread of its own: one task for every kick of the
    window, instead of one per commit (a relay task claims every due row anyway). A
    kick that comes while a task is being sent gets a task sent after it, so no commit
    is ever left without a relay after it. Off the request's path: the request does
    not wait for the broker's confirm."""

    def __init__(self, celery_app: Celery) -> None:
        self.celery_app = celery_app
        self.pending = threading.Event()
        self.pid = os.getpid()
        self.thread = threading.Thread(target=self._run, name="outbox-kicker", daemon=True)
        self.thread.start()
        atexit.register(self.flush)

    def kick(self) -> None:
        self.pending.set()

    def _run(self) -> None:
        while True:
            self.pending.wait()
            time.sleep(KICK_WINDOW)
            self.flush()

    def flush(self) -> None:
        """Send the relay task now if a kick is pending (also at the process's exit)."""
        if not self.pending.is_set() or os.getpid() != self.pid:
            return
        self.pending.clear()
        try:
            self.celery_app.send_task("outbox.relay", retry=False)
        except Exception as exc:  # the reconciler re-drives what this leaves behind
            log.warning("outbox_kick_failed error=%s", type(exc).__name__)


_kickers: dict[tuple[int, int], _Kicker] = {}
_threads_lock = threading.Lock()
T = TypeVar("T")


def _per_process(registry: dict[tuple[int, int], T], owner: object,
                 make: Callable[[], T]) -> T:
    """``owner``'s one thread-owning helper in this process (a forked child makes its own)."""
    key = (os.getpid(), id(owner))
    found = registry.get(key)
    if found is None:
        with _threads_lock:
            found = registry.get(key)
            if found is None:
                found = registry[key] = make()
    return found


def _kicker(celery_app: Celery) -> _Kicker:
    """This process's kicker for ``celery_app``."""
    return _per_process(_kickers, celery_app, lambda: _Kicker(celery_app))


def dead_letter_queue() -> Queue:
    return Queue(DEAD_LETTER_QUEUE, Exchange(DEAD_LETTER_EXCHANGE, type="direct"),
                 routing_key=DEAD_LETTER_QUEUE, queue_arguments={"x-queue-type": "quorum"})


def drain_dead_letters(app: Flask, session: Session, limit: int = 500) -> int:
    """Messages the broker gave up on (delivery limit reached, or rejected by a task that
    failed): mark their rows failed, a visible incident. Returns how many were drained."""
    celery_app = app.extensions["celery"]
    if celery_app.conf.task_always_eager:
        return 0
    drained = 0
    with celery_app.connection_for_write() as connection:
        queue = dead_letter_queue()(connection.default_channel)
        queue.declare()
        while drained < limit:
            message = queue.get(no_ack=False)
            if message is None:
                break
            headers: dict[str, Any] = message.headers or {}
            reason = f"{_death_reason(headers)} for {headers.get('task', '?')} (dead-lettered)"
            for message_id in _message_ids(message, headers):
                services.mark_failed(session, message_id, reason)
            session.commit()
            message.ack()
            drained += 1
    return drained


def _death_reason(headers: dict[str, Any]) -> str:
    """Why RabbitMQ dead-lettered a message, from its ``x-death`` header."""
    deaths = headers.get("x-death") or [{}]
    reason = str(deaths[0].get("reason", "")) if isinstance(deaths[0], dict) else ""
    if reason == "rejected":
        return "consumer failed"
    return "delivery limit reached"


def _message_ids(message: Any, headers: dict[str, Any]) -> list[str]:
    """The outbox rows a dead letter stood for: a batch's messages, else the task's id."""
    try:
        body = message.decode()  # Celery's protocol 2: (args, kwargs, embed)
        batch = body[1].get("messages") if isinstance(body, (list, tuple)) else None
    except Exception:  # an undecodable body still names its task id
        batch = None
    if isinstance(batch, list):
        return [str(m.get("message_id", "")) for m in batch if isinstance(m, dict)]
    return [str(headers.get("id", ""))]


def declare_dead_letters(celery_app: Celery) -> None:
    """Create the dead-letter exchange and queue: without them RabbitMQ would drop the
    messages it gives up on, silently."""
    with celery_app.connection_for_write() as connection:
        dead_letter_queue()(connection.default_channel).declare()


class DeclareDeadLetters(bootsteps.StartStopStep):
    """A worker of the app declares the dead letters as it starts."""

    def start(self, parent: Any) -> None:
        declare_dead_letters(parent.app)


def init_app(app: Flask, celery_app: Celery) -> None:
    """Kick the relay after every commit of the app's sessions that wrote messages; the
    app's workers declare the dead letters (both on the app's own objects)."""
    sessionmaker = db.get_database(app).sessionmaker

    @event.listens_for(sessionmaker, "after_commit")
    def _after_commit(session: Session) -> None:
        if services.wrote_messages(session):
            kick(app)

    @event.listens_for(sessionmaker, "after_rollback")
    def _after_rollback(session: Session) -> None:
        services.wrote_messages(session)  # what was enqueued is gone with the rollback

    if not celery_app.conf.task_always_eager:
        celery_app.steps["worker"].add(DeclareDeadLetters)
