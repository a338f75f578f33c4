"""A real Celery worker (``hub worker``) on the real RabbitMQ, each test in a vhost of
its own: kill -9 the worker while it holds a message, restart it, and every outbox
message has been handled exactly once; a message that keeps killing its worker is
dead-lettered after the delivery limit and its outbox row marked failed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection
from sqlalchemy import func, select

from hub import db
from hub.approvals.forms import with_check_character
from hub.approvals.models import Notification
from hub.outbox.models import OutboxMessage, ProcessedMessage
from hub.outbox.publishing import run_relay
from hub.outbox.services import enqueue
from tests.processes import hub_env, wait_for

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.timeout(60)]
ROOT = Path(__file__).resolve().parents[3]
HUB = str(Path(sys.executable).with_name("hub"))


@pytest.fixture
def app_config(vhost_url: str) -> dict[str, Any]:
    return {"broker_url": vhost_url, "task_delivery_limit": 2}


class Worker:
    """``hub worker`` as a subprocess in its own process group (so kill -9 takes the
    pool processes with it)."""

    def __init__(self, app: Any, markers: Path, log: Path) -> None:
        self.env = hub_env(app, HUB_TEST_MARKERS=str(markers))
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [HUB, "worker", "--queues", "default", "--concurrency", "2", "--loglevel",
             "WARNING", "--include", "tests.integration.outbox.consumers",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=self.env, cwd=ROOT, start_new_session=True,
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


@pytest.fixture
def worker(app, tmp_path: Path) -> Iterator[Worker]:
    markers = tmp_path / "markers"
    markers.mkdir()
    started = Worker(app, markers, tmp_path / "worker.log")
    yield started
    started.stop()


def count(app, model) -> int:  # type: ignore[no-untyped-def]
    with db.get_database(app).session_scope() as session:
        return session.scalar(select(func.count()).select_from(model))


def queue_depth(app, queue: str) -> int:  # type: ignore[no-untyped-def]
    """Messages ready or unacknowledged in ``queue``."""
    from hub.celery import quorum_queue

    settings = app.config["HUB_SETTINGS"]
    with Connection(settings.broker_url) as connection:
        declared = quorum_queue(queue, settings)(connection.default_channel)
        _, messages, _ = declared.queue_declare(passive=True)
        return messages


def test_sigkill_while_holding_a_message_then_every_message_is_handled_once(
        app, client, people, session, worker, vhost_url):
    # Two real submissions: their "new task" notifications go through the same worker.
    people.service_item()
    clerk = people.clerk()
    for _ in range(2):
        assert client.post("/api/v1/applications", headers=clerk.headers, json={
            "service_item": "open-restaurant", "center": "binhe",
            "applicant": {"name": "张三丰", "id_number": with_check_character("21010219900101123"),
                          "phone": "13812345678"},
            "form": {"shop_name": "老边饺子馆"}}).status_code == 201
    slow = 6
    for n in range(slow):
        enqueue(session, "tests.slow_effect", {"seconds": 1.0}, dedupe_key=f"slow:{n}")
    session.commit()  # each commit's kick queued a relay task; this relay publishes now
    run_relay(app)
    messages = slow + 2
    assert [m.status for m in session.scalars(select(OutboxMessage))] == ["sent"] * messages

    markers = Path(worker.env["HUB_TEST_MARKERS"])
    worker.start()
    wait_for(lambda: any(markers.iterdir()), 30, "the worker to start on a message")
    time.sleep(0.3)  # it is inside the slow consumer, its transaction open
    worker.kill()
    in_flight = {p.name.split(".")[0] for p in markers.iterdir()}
    done_before_restart = count(app, ProcessedMessage)
    assert done_before_restart < messages

    worker.start()
    wait_for(lambda: count(app, ProcessedMessage) >= messages, 40, "every message handled")
    time.sleep(1.0)  # anything delivered twice would show up now
    assert count(app, ProcessedMessage) == messages
    assert count(app, Notification) == messages  # each effect exactly once
    ids = {str(m.id) for m in session.scalars(select(OutboxMessage))}
    handled = set(session.scalars(select(ProcessedMessage.message_id)))
    assert handled == ids
    # The message killed in flight was delivered again and handled by the new worker.
    starts: dict[str, int] = {}
    for path in markers.iterdir():
        starts[path.name.split(".")[0]] = starts.get(path.name.split(".")[0], 0) + 1
    assert any(starts[m] >= 2 for m in in_flight), starts
    worker.stop()
    assert queue_depth(app, "default") == 0  # every delivery acknowledged


def test_a_message_that_keeps_killing_its_worker_ends_as_a_failed_row(
        app, session, worker, vhost_url):
    poison = enqueue(session, "tests.poison", {}, dedupe_key="poison:1")
    fine = enqueue(session, "tests.slow_effect", {"seconds": 0}, dedupe_key="fine:1")
    session.commit()
    assert run_relay(app).sent == 2
    markers = Path(worker.env["HUB_TEST_MARKERS"])
    worker.start()
    wait_for(lambda: count(app, ProcessedMessage) == 1, 30, "the healthy message")
    # Delivered once, redelivered up to the limit (2), then dead-lettered by RabbitMQ.
    wait_for(lambda: starts_of(markers, poison.id) >= 3, 30,
             "the poison message to reach its delivery limit")
    wait_for(lambda: reconciled_status(app, poison.id) == "failed", 20,
             "the dead-lettered message to be marked failed")
    with db.get_database(app).session_scope() as s:
        row = s.get(OutboxMessage, poison.id)
        assert "delivery limit" in row.last_error
        assert s.get(OutboxMessage, fine.id).status == "sent"
    assert starts_of(markers, poison.id) == 3  # no endless loop


def reconciled_status(app, message_id) -> str:  # type: ignore[no-untyped-def]
    """Run the reconciler (it drains the dead letters) and read the row's status."""
    with app.app_context():
        app.extensions["celery"].tasks["outbox.reconcile"].run()
    with db.get_database(app).session_scope() as s:
        return s.get(OutboxMessage, message_id).status


def starts_of(markers: Path, message_id: Any) -> int:
    return len([p for p in markers.iterdir() if p.name.startswith(str(message_id))])


def test_a_task_that_fails_is_dead_lettered_and_its_row_failed_not_acknowledged(
        app, session, worker, vhost_url):
    # Celery acknowledges a failed task by default: the message would vanish while its
    # row says sent. Rejected instead, RabbitMQ dead-letters it at once.
    failing = enqueue(session, "tests.fails", {}, dedupe_key="fails:1")
    fine = enqueue(session, "tests.slow_effect", {"seconds": 0}, dedupe_key="fine:2")
    session.commit()
    assert run_relay(app).sent == 2
    markers = Path(worker.env["HUB_TEST_MARKERS"])
    worker.start()
    wait_for(lambda: count(app, ProcessedMessage) == 1, 30, "the healthy message")
    wait_for(lambda: starts_of(markers, failing.id) >= 1, 30, "the failing message's try")
    wait_for(lambda: reconciled_status(app, failing.id) == "failed", 20,
             "the rejected message to be marked failed")
    with db.get_database(app).session_scope() as s:
        assert "consumer failed for tests.fails" in s.get(OutboxMessage, failing.id).last_error
        assert s.get(OutboxMessage, fine.id).status == "sent"
    assert starts_of(markers, failing.id) == 1  # rejected, not put back to fail again
    worker.stop()
    assert queue_depth(app, "default") == 0


def test_a_task_that_cannot_reach_the_database_is_tried_again_until_it_can(
        app, session, worker, vhost_url):
    markers = Path(worker.env["HUB_TEST_MARKERS"])
    (markers / "db-down").touch()
    message = enqueue(session, "tests.needs_database", {}, dedupe_key="needs-db:1")
    session.commit()
    assert run_relay(app).sent == 1
    worker.start()
    # Tried at once, then again 2 s later (hub.celery.unavailable_delay), still refused.
    wait_for(lambda: starts_of(markers, message.id) >= 2, 30, "a second try")
    assert count(app, ProcessedMessage) == 0
    (markers / "db-down").unlink()  # the database is back
    wait_for(lambda: count(app, ProcessedMessage) == 1, 30, "the message handled")
    assert count(app, Notification) == 1
    assert reconciled_status(app, message.id) == "sent"  # never dead-lettered
    worker.stop()
    assert queue_depth(app, "default") == 0
