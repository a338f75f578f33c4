"""The shared services taken away under the hub while staff work, through real servers:

- RabbitMQ stopped (``rabbitmqctl stop_app``) while clerks keep submitting to gunicorn:
  every submission still succeeds, the outbox holds the messages, and once the broker
  is back every one is delivered to the real worker and handled exactly once;
- PostgreSQL restarted while requests run: they fail with 503 and a Retry-After (never
  a 500), and the same gunicorn workers answer again by themselves; every case a client
  was told about exists once, with its tasks and its audit record.

Each restores the service in a ``finally``."""
from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.approvals.models import Application, ApprovalTask, IdempotencyRecord, Notification
from hub.audit.models import AuditRecord
from hub.outbox.models import OutboxMessage, ProcessedMessage
from tests.proof.loadclient import Recorder, Staff, submit_until_answered
from tests.proof.processes import (
    broker_up,
    ensure_postgres,
    gunicorn,
    hub_worker,
    restart_postgres,
    start_rabbitmq,
    stop_rabbitmq,
    vhost,
    wait_for,
)
from tests.proof.test_worker_sigkill import count, queue_depth

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]

CLERKS = 4


@pytest.fixture
def broker() -> Iterator[str]:
    with vhost() as url:
        yield url


def clerks(people, base: str, recorder: Recorder, stop: threading.Event,
           created: dict[str, str]) -> list[Staff]:
    people.service_item()
    team = []
    for n in range(CLERKS):
        clerk = people.clerk(center="binhe")
        counter = iter(range(n * 100_000, (n + 1) * 100_000))
        team.append(Staff(base, clerk.token, recorder, stop,
                          lambda s, c=counter: submit_until_answered(s, "binhe", next(c),
                                                                     created)))
    return team


@pytest.mark.broker
def test_rabbitmq_stopped_while_clerks_submit(app, people, session, broker, tmp_path,
                                              figures, monkeypatch):
    # The servers (gunicorn, the worker) get the broker through hub_env.
    monkeypatch.setitem(app.config, "HUB_SETTINGS",
                        dataclasses.replace(app.config["HUB_SETTINGS"], broker_url=broker))
    recorder, stop, created = Recorder(), threading.Event(), {}
    worker = hub_worker(app, tmp_path / "worker.log")
    phases: dict[str, Any] = {}
    with gunicorn(app, tmp_path) as base:
        team = clerks(people, base, recorder, stop, created)
        worker.start()
        for staff in team:
            staff.start()
        try:
            time.sleep(3)
            phases["before"] = len(created)
            stop_rabbitmq()
            try:
                assert not broker_up()
                time.sleep(10)
                phases["while_down"] = len(created) - phases["before"]
                pending_while_down = count(app, OutboxMessage, OutboxMessage.status == "pending")
            finally:
                start_rabbitmq()
            time.sleep(3)
        finally:
            stop.set()
            for staff in team:
                staff.join(90)
        assert [s.error for s in team] == [None] * CLERKS
        total = count(app, OutboxMessage)
        try:
            wait_for(lambda: count(app, ProcessedMessage) >= total
                     and count(app, OutboxMessage, OutboxMessage.status != "sent") == 0, 120,
                     f"every message delivered after the broker came back ({worker.tail()})")
            wait_for(lambda: queue_depth(app, "default") == 0, 60, "the queue drained")
        finally:
            worker.stop()
    statuses = recorder.statuses("submit")
    assert set(statuses) == {201}, statuses  # no submission failed, broker or not
    assert phases["while_down"] > 0 and pending_while_down > 0
    apps = count(app, Application)
    assert apps == len(created) == len(set(created.values()))
    processed = count(app, ProcessedMessage)
    notifications = count(app, Notification)
    assert processed == total
    assert notifications == count(app, OutboxMessage, OutboxMessage.topic == "approvals.notify")
    figures.write("rabbitmq_stopped", clerks=CLERKS, down_seconds=10,
                  submissions=len(created), submitted_while_down=phases["while_down"],
                  statuses=statuses, outbox_pending_while_down=pending_while_down,
                  outbox_messages=total, processed=processed, notifications=notifications,
                  duplicates=notifications - session.scalar(
                      select(func.count(func.distinct(Notification.message_id)))),
                  lost=total - processed)


def test_postgresql_restarted_while_requests_run(app, people, session, tmp_path, figures):
    recorder, stop, created = Recorder(), threading.Event(), {}
    supervisor = people.supervisor()
    with gunicorn(app, tmp_path) as base:
        team = clerks(people, base, recorder, stop, created)

        def read(staff: Staff) -> None:
            staff.call("list", "GET", "/api/v1/applications?limit=20")
            staff.call("supervision", "GET", "/api/v1/supervision/centers")
            time.sleep(0.05)

        team.append(Staff(base, supervisor.token, recorder, stop, read))
        for staff in team:
            staff.start()
        try:
            time.sleep(3)
            restarted_at = time.monotonic()
            try:
                restart_postgres()
            finally:
                ensure_postgres()
            back_at = time.monotonic()
            time.sleep(8)
        finally:
            stop.set()
            for staff in team:
                staff.join(90)
        assert [s.error for s in team] == [None] * len(team)
        # Recovered by itself: the same workers answer, nothing was restarted.
        after = [a for a in recorder.answers if a.at > back_at + 3]
        assert after and {a.status for a in after} <= {200, 201}, \
            sorted({a.status for a in after})
    statuses = recorder.statuses()
    failures = [a for a in recorder.answers if a.status not in (200, 201)]
    assert all(a.status == 503 for a in failures), statuses  # never a 500, never no answer
    assert all(a.retry_after and a.content_type == "application/problem+json"
               for a in failures)
    assert failures, "the restart was not felt: nothing was proven"
    # Nothing half-written: each case a clerk was told about exists once, with its
    # first-stage task and its audit record; no case nobody was told about.
    apps = count(app, Application)
    assert apps == len(created) == count(app, IdempotencyRecord)
    assert count(app, ApprovalTask) == apps  # the first stage: market
    assert session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "application.submitted")) == apps
    figures.write("postgresql_restarted", requests=len(recorder.answers), statuses=statuses,
                  answered_503_with_retry_after=len(failures), answered_500=0,
                  restart_seconds=round(back_at - restarted_at, 1),
                  submissions=len(created), cases_in_database=apps, half_written=0,
                  **recorder.latency())
