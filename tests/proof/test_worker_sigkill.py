"""SIGKILL of a real ``hub worker`` (the whole process group, pool included) on the real
RabbitMQ and PostgreSQL: while it handles thousands of outbox messages with the real
consumer (``approvals.notify``), and while it runs a sync batch. After each restart
everything has been handled exactly once: one ProcessedMessage and one notification per
outbox message; every synced record once, the run's counts equal to what was committed,
the cursor at the center's last record."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from kombu import Connection
from sqlalchemy import func, select

from adapters.sample.data import application_records
from adapters.sample.fake_center import FakeCenter
from hub import db
from hub.approvals.models import Application, Notification
from hub.outbox.models import OutboxMessage, ProcessedMessage
from hub.outbox.publishing import run_relay
from hub.outbox.services import enqueue
from hub.sync.models import SyncCursor, SyncRun
from tests.integration.sync.conftest import TOKEN_ENV, point
from tests.proof.processes import hub_worker, vhost, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.slow,
              pytest.mark.timeout(300)]

MESSAGES = 5000
KILLS = 3
SYNCED = 20_000


@pytest.fixture
def broker() -> Iterator[str]:
    with vhost() as url:
        yield url


@pytest.fixture
def app_config(broker: str) -> dict[str, Any]:
    return {"broker_url": broker}


def count(app, model, *where) -> int:  # type: ignore[no-untyped-def]
    with db.get_database(app).session_scope() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def queue_depth(app, queue: str) -> int:  # type: ignore[no-untyped-def]
    from hub.celery import quorum_queue

    settings = app.config["HUB_SETTINGS"]
    with Connection(settings.broker_url) as connection:
        declared = quorum_queue(queue, settings)(connection.default_channel)
        return declared.queue_declare(passive=True)[1]


def test_sigkill_during_five_thousand_outbox_messages(app, hall, session, tmp_path, figures):
    cases = [hall.submitted() for _ in range(5)]
    for n in range(MESSAGES):
        enqueue(session, "approvals.notify",
                {"kind": "concluded", "application_id": cases[n % len(cases)]["id"]},
                dedupe_key=f"proof:notify:{n}")
    session.commit()
    relayed = 0
    while sent := run_relay(app).sent:  # publisher confirms, batch after batch
        relayed += sent
    total = count(app, OutboxMessage)
    assert count(app, OutboxMessage, OutboxMessage.status == "sent") == total >= MESSAGES
    worker = hub_worker(app, tmp_path / "worker.log")
    kills = []
    try:
        for k in range(1, KILLS + 1):
            worker.start()
            mark = total * k // (KILLS + 1)
            wait_for(lambda: count(app, ProcessedMessage) >= mark, 120,
                     f"{mark} messages handled ({worker.tail()})")
            worker.kill()
            kills.append(count(app, ProcessedMessage))
        worker.start()
        wait_for(lambda: count(app, ProcessedMessage) >= total, 180,
                 f"every message handled ({worker.tail()})")
        wait_for(lambda: queue_depth(app, "default") == 0, 60, "the queue drained")
    finally:
        worker.stop()
    processed = count(app, ProcessedMessage)
    notifications = count(app, Notification)
    handled = set(session.scalars(select(ProcessedMessage.message_id)))
    ids = {str(i) for i in session.scalars(select(OutboxMessage.id))}
    assert processed == total and handled == ids
    assert notifications == total  # each effect exactly once
    assert session.scalar(select(func.count(func.distinct(Notification.message_id)))) == total
    figures.write("worker_sigkill_outbox", messages=total, published=relayed,
                  sigkills=KILLS, handled_at_each_kill=kills, processed=processed,
                  notifications=notifications, duplicates=notifications - len(handled),
                  lost=len(ids - handled))


@pytest.fixture
def center(app, people, monkeypatch) -> Iterator[FakeCenter]:
    people.service_item()
    with FakeCenter(token=secrets.token_urlsafe(16)) as fake:
        monkeypatch.setenv(TOKEN_ENV, fake.token)
        fake.put_many("applications", application_records("binhe", SYNCED,
                                                          items=("open-restaurant",)))
        point(app, "binhe", {"kind": "http_json", "base_url": fake.url,
                             "token_env": TOKEN_ENV, "batch_size": 500})
        yield fake


def test_sigkill_during_a_sync_batch(app, center, hall, session, tmp_path, figures):
    worker = hub_worker(app, tmp_path / "sync-worker.log", queues="sync.binhe",
                        concurrency=1, **{TOKEN_ENV: center.token})
    started = hall.client.post("/api/v1/sync/binhe/runs", json={"stream": "applications"},
                               headers=hall.admin.headers)
    assert started.status_code == 202, started.get_json()
    run_id = started.get_json()["id"]

    def batches() -> int:
        with db.get_database(app).session_scope() as s:
            return s.get(SyncRun, run_id).batches

    killed_after = []
    try:
        for mark in (4, 15):
            worker.start()
            wait_for(lambda: batches() >= mark, 120, f"{mark} batches ({worker.tail()})")
            worker.kill()  # inside the next batch: read, validated, writing
            killed_after.append(batches())
        worker.start()

        def finished() -> bool:
            with db.get_database(app).session_scope() as s:
                return s.get(SyncRun, run_id).status != "running"

        wait_for(finished, 180, f"the run to finish ({worker.tail()})")
    finally:
        worker.stop()
    run = session.get(SyncRun, run_id)
    rows = count(app, Application, Application.center_code == "binhe")
    distinct = session.scalar(select(func.count(func.distinct(Application.external_id)))
                              .where(Application.center_code == "binhe"))
    cursor = session.scalar(select(SyncCursor.cursor).where(SyncCursor.center_code == "binhe"))
    assert run.status == "succeeded", run.error
    assert rows == distinct == SYNCED
    assert (run.fetched, run.inserted, run.updated, run.rejected) == (SYNCED, SYNCED, 0, 0)
    assert run.batches == SYNCED // 500
    assert center.records("applications")[-1]["external_id"] in cursor
    figures.write("worker_sigkill_sync", records=SYNCED, batch=500, sigkills=len(killed_after),
                  batches_committed_at_each_kill=killed_after, in_hub=rows,
                  duplicates=rows - distinct, run={"fetched": run.fetched,
                                                   "inserted": run.inserted,
                                                   "batches": run.batches})
