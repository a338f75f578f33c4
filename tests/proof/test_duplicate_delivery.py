"""Duplicate delivery of every message type, on a real worker and the real broker.

Every outbox topic (``hub/celery.py``'s task modules: ``approvals.notify`` in each of its
kinds, ``outbound.deliver_task``, and the three recomputations a published year sends:
cases', tickets' and disclosure requests') is made by the real walks over the API, then
each message is published twice more side by side (besides the relay's own
publication), to a worker running four at once: every effect happens once.
A sync run's message delivered twice at once runs the sync once.
"""
from __future__ import annotations

import collections
import datetime as dt
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, update

from adapters.sample.data import application_records
from adapters.sample.fake_center import FakeCenter
from adapters.sample.fake_department import FakeDepartment
from hub import db
from hub.approvals import deadlines
from hub.approvals.calendar import local_date
from hub.approvals.models import Application, ApprovalTask, Notification
from hub.audit.models import AuditRecord
from hub.delivery.models import Delivery
from hub.directory.models import Department
from hub.outbox.models import OutboxMessage, ProcessedMessage
from hub.sync.models import SyncCursor, SyncRun
from tests.e2e.disclosure.conftest import body as disclosure_body
from tests.integration.sync.conftest import TOKEN_ENV, point
from tests.proof.processes import hub_worker, vhost, wait_for
from tests.proof.test_worker_sigkill import count, queue_depth

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.slow,
              pytest.mark.timeout(300)]

DEPARTMENT_TOKEN = "HUB_PROOF_DEPARTMENT_TOKEN"
TOPICS = {"approvals.notify", "outbound.deliver_task", "approvals.recompute_deadlines",
          "tickets.recompute_deadlines", "disclosure.recompute_due_dates"}
# What each recomputation writes once per object whose due date it changed.
RECOMPUTED = {"approvals.recompute_deadlines": "application.deadline_recomputed",
              "tickets.recompute_deadlines": "ticket.deadline_recomputed",
              "disclosure.recompute_due_dates": "disclosure.due_recomputed"}
KINDS = {"task_opened", "task_reopened", "supplement_requested", "concluded", "warning"}


@pytest.fixture
def broker() -> Iterator[str]:
    with vhost() as url:
        yield url


@pytest.fixture
def app_config(broker: str) -> dict[str, Any]:
    return {"broker_url": broker}


@pytest.fixture
def department(app, hall) -> Iterator[FakeDepartment]:
    with FakeDepartment(token=secrets.token_urlsafe(12)) as fake:
        with db.get_database(app).session_scope() as s:
            s.execute(update(Department).where(Department.code == "market").values(
                endpoint={"url": fake.url, "token_env": DEPARTMENT_TOKEN}))
            s.commit()
        yield fake


def every_kind_of_message(hall, people, frozen_clock) -> None:
    """The walks that write every outbox topic and every kind of notification."""
    approved, supplemented, rejected, withdrawn = (hall.submitted() for _ in range(4))
    hall.decided(hall.task(approved, "market"))  # the next stage opens
    hall.decided(hall.task(supplemented, "market"), "request_supplement", comment="缺营业执照")
    resubmitted = hall.client.post(f"/api/v1/applications/{supplemented['id']}/resubmit",
                                   json={"form": {"shop_name": "老边饺子馆（补正）"}},
                                   headers=hall.clerk.headers)
    assert resubmitted.status_code == 200, resubmitted.get_json()
    hall.decided(hall.task(rejected, "market"), "reject", comment="选址不符合规划")
    assert hall.client.post(f"/api/v1/applications/{withdrawn['id']}/withdraw",
                            json={"reason": "申请人撤回"},
                            headers=hall.clerk.headers).status_code == 200
    # Three weeks on: open steps are late (cards), and a new case, a complaint and a
    # disclosure request reach into 2027, whose schedule is then published (their due
    # dates recomputed).
    frozen_clock.advance(dt.timedelta(days=21))
    with db.get_database(hall.client.application).session_scope() as s:
        scanned = deadlines.scan_warnings(s)
        assert scanned.yellow + scanned.red > 0
    late = hall.submitted()
    assert late["due_at_provisional"] is True
    operator = people.make("operator", center="binhe")
    ticket = hall.client.post("/api/v1/tickets", headers=operator.headers, json={
        "kind": "complaint", "channel": "hotline", "center": "binhe", "subject": "占道经营",
        "content": "小区门口早市占道经营，影响通行", "caller": {"name": "赵六", "phone": "13912345678"}})
    assert ticket.status_code == 201 and ticket.get_json()["due_at_provisional"] is True, \
        ticket.get_json()
    today = local_date(frozen_clock.now()).isoformat()
    request = hall.client.post("/api/v1/disclosure/requests",
                               headers=people.clerk(center="district").headers,
                               json=disclosure_body(received_on=today))
    assert request.status_code == 201, request.get_json()
    assert request.get_json()["due_on_provisional"] is True
    published = hall.client.put("/api/v1/calendar/2027", headers=hall.admin.headers,
                                json={"holidays": ["2027-01-01", "2027-02-05"], "workdays": []})
    assert published.status_code == 200, published.get_json()


def test_every_message_delivered_twice_more_has_each_effect_once(
        app, hall, people, department, session, frozen_clock, tmp_path, figures):
    every_kind_of_message(hall, people, frozen_clock)
    rows = list(session.scalars(select(OutboxMessage)))
    assert {r.topic for r in rows} == TOPICS
    assert {r.payload.get("kind") for r in rows if r.topic == "approvals.notify"} == KINDS
    celery_app = app.extensions["celery"]
    for row in rows:  # twice each, one after the other in the queue: taken side by side
        for _ in range(2):
            celery_app.send_task(row.topic, kwargs={**row.payload, "message_id": str(row.id)},
                                 task_id=str(row.id))
    worker = hub_worker(app, tmp_path / "worker.log", concurrency=4,
                        **{DEPARTMENT_TOKEN: department.token})
    worker.start()
    try:
        # (The relay's own publication waits for the rows to fall due on the worker's
        # clock, which is not the test's frozen one: the two copies here are enough.)
        wait_for(lambda: count(app, ProcessedMessage) >= len(rows), 120,
                 f"every message handled ({worker.tail()})")
        wait_for(lambda: queue_depth(app, "default") == 0, 60, "the queue drained")
    finally:
        worker.stop()
    session.expire_all()
    by_topic = collections.Counter(r.topic for r in rows)
    processed = collections.Counter(session.scalars(select(ProcessedMessage.consumer)))
    assert processed == by_topic  # one claim per message and consumer
    notify_ids = {str(r.id) for r in rows if r.topic == "approvals.notify"}
    notes = collections.Counter(session.scalars(select(Notification.message_id)))
    assert set(notes) == notify_ids and set(notes.values()) == {1}
    deliveries = [r for r in rows if r.topic == "outbound.deliver_task"]
    delivered = session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "task.delivered"))
    # A task decided before its message came is not delivered (no decision happens while
    # the worker runs, so today's status is the one it saw); each other message is
    # delivered once, the department holding each task version once.
    tasks = {str(t.id): t for t in session.scalars(select(ApprovalTask))}
    pending = [r for r in deliveries if tasks[r.payload["task_id"]].status == "pending"]
    assert 0 < delivered == len(pending)
    assert set(department.received) == {f"task-{r.payload['task_id']}-v"
                                        f"{tasks[r.payload['task_id']].version}" for r in pending}
    assert {d.status for d in session.scalars(select(Delivery))} == {"delivered"}
    recomputed = {}
    for topic, action in RECOMPUTED.items():  # each object changed, and once
        recomputed[topic] = collections.Counter(session.scalars(
            select(AuditRecord.target_id).where(AuditRecord.action == action)))
        assert recomputed[topic] and set(recomputed[topic].values()) == {1}, topic
    figures.write("duplicate_delivery", messages=len(rows), topics=dict(by_topic),
                  notification_kinds=sorted(KINDS), deliveries_per_message=2,
                  processed=sum(processed.values()), notifications=sum(notes.values()),
                  delivered_events=delivered,
                  department_requests=len(department.requests),
                  department_tasks_held=len(department.received),
                  due_dates_recomputed={t: sum(c.values()) for t, c in recomputed.items()},
                  effects_doubled=0)


@pytest.fixture
def center(app, people, monkeypatch) -> Iterator[FakeCenter]:
    people.service_item()
    with FakeCenter(token=secrets.token_urlsafe(16)) as fake:
        monkeypatch.setenv(TOKEN_ENV, fake.token)
        fake.put_many("applications", application_records("binhe", 5000,
                                                          items=("open-restaurant",)))
        point(app, "binhe", {"kind": "http_json", "base_url": fake.url,
                             "token_env": TOKEN_ENV, "batch_size": 250})
        yield fake


def test_a_sync_run_delivered_twice_at_once_runs_once(app, hall, center, session, tmp_path,
                                                     figures):
    started = hall.client.post("/api/v1/sync/binhe/runs", json={"stream": "applications"},
                               headers=hall.admin.headers)
    assert started.status_code == 202, started.get_json()
    run_id = started.get_json()["id"]
    app.extensions["celery"].send_task("sync.run", kwargs={"run_id": run_id},
                                       queue="sync.binhe")
    center.faults.delay_seconds = 0.05  # a run of a second or two: both copies overlap
    worker = hub_worker(app, tmp_path / "sync.log", queues="sync.binhe", concurrency=2,
                        **{TOKEN_ENV: center.token})
    worker.start()
    try:
        def closed() -> bool:
            with db.get_database(app).session_scope() as s:
                return s.get(SyncRun, run_id).status != "running"

        wait_for(closed, 120, f"the run to close ({worker.tail()})")
        wait_for(lambda: queue_depth(app, "sync.binhe") == 0, 60, "the queue drained")
    finally:
        worker.stop()
    run = session.get(SyncRun, run_id)
    rows = count(app, Application, Application.center_code == "binhe")
    assert run.status == "succeeded", run.error
    assert rows == 5000
    assert (run.fetched, run.inserted, run.updated, run.unchanged) == (5000, 5000, 0, 0)
    assert run.batches == 20
    cursor = session.scalar(select(SyncCursor.cursor).where(SyncCursor.center_code == "binhe"))
    assert center.records("applications")[-1]["external_id"] in cursor
    first_pages = sum(1 for r in center.requests if r.since is None)
    written = session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "sync.applications_written"))
    closed_records = session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action.like("sync.run_%"), AuditRecord.target_id == str(run_id)))
    assert written == run.batches  # each batch written (and audited) once
    assert first_pages == 1  # the other copy found the run in hand and read nothing
    assert closed_records == 2  # started, succeeded
    figures.write("duplicate_sync_run", records=5000, deliveries=2, in_hub=rows,
                  first_page_requests=first_pages, batches_audited=written,
                  run={"fetched": run.fetched, "inserted": run.inserted,
                       "unchanged": run.unchanged, "batches": run.batches})
