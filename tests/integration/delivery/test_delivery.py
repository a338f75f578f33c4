"""Approval tasks delivered to a department's own system, through the outbox: one try per
message, the next try scheduled as an outbox message due after a backoff (never waited
for, so a request on the embedded default returns at once), a visible failure after
the last retry, once per task version as the receiver sees it; the department system
reports its decision back through the tasks API."""
from __future__ import annotations

import datetime as dt
import socket
import uuid

import pytest
from sqlalchemy import select, update

from adapters.sample.fake_department import FakeDepartment
from hub.approvals.forms import with_check_character
from hub.approvals.messages import DELIVER
from hub.approvals.models import ApprovalTask
from hub.audit.models import AuditRecord
from hub.delivery.models import Delivery
from hub.directory.models import Department
from hub.outbox import publishing
from hub.outbox.models import OutboxMessage

BACKOFF = 30  # seconds before the first retry (the default), doubled each time


@pytest.fixture
def app_config():
    return {"outbound_backoff_seconds": BACKOFF, "outbound_max_retries": 3}


def point_market(session, url: str) -> None:
    session.execute(update(Department).where(Department.code == "market").values(
        endpoint={"url": url, "token_env": "HUB_MARKET_TOKEN", "timeout_seconds": 5}))


@pytest.fixture
def market(app, people, session, monkeypatch):
    people.service_item()
    with FakeDepartment(token="market-secret") as fake:
        monkeypatch.setenv("HUB_MARKET_TOKEN", fake.token)
        point_market(session, fake.url)
        yield fake


@pytest.fixture
def market_down(app, people, session, monkeypatch):
    """The market department's system on 127.0.0.1, down: a port that was just served
    and is closed again, so every connection is refused."""
    people.service_item()
    monkeypatch.setenv("HUB_MARKET_TOKEN", "market-secret")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    point_market(session, f"http://127.0.0.1:{port}/tasks")


def submit(client, people, *, settle=True):
    clerk = people.clerk()
    response = client.post("/api/v1/applications", headers=clerk.headers, json={
        "service_item": "open-restaurant", "center": "binhe",
        "applicant": {"name": "张三丰", "id_number": with_check_character("21010219900101123"),
                      "phone": "13812345678"},
        "form": {"shop_name": "老边饺子馆"}})
    assert response.status_code == 201, response.get_json()
    if settle:  # the delivery's own thread has made its try
        publishing.settle(client.application)
    return response.get_json()


def market_task(session, application):
    return session.scalars(select(ApprovalTask).where(
        ApprovalTask.application_id == uuid.UUID(application["id"]),
        ApprovalTask.department_code == "market")).one()


def deliveries_due(session, task_id) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.topic == DELIVER, OutboxMessage.status == "pending",
        OutboxMessage.payload["task_id"].as_string() == str(task_id))))


def reconcile(app) -> dict:
    """What beat's minutely ``outbox.reconcile`` does: publish what has fallen due."""
    return app.extensions["celery"].tasks["outbox.reconcile"].apply().get()


def later(app, frozen_clock, seconds: float) -> None:
    frozen_clock.advance(dt.timedelta(seconds=seconds))
    reconcile(app)
    publishing.settle(app)  # a poll of the delivery's thread may have taken the retry


def test_an_opened_task_is_delivered_once_and_decided_back(app, client, people, session, market):
    # the department system's service account, made before any request (see conftest)
    system = people.approver("market", username="market-system")
    application = submit(client, people)
    task = market_task(session, application)
    assert list(market.received) == [f"task-{task.id}-v{task.version}"]
    body = market.received[f"task-{task.id}-v{task.version}"]
    assert body["form"] == {"shop_name": "老边饺子馆"} and body["department"] == "market"
    assert "*" in body["applicant"]["id_number"] and body["applicant"]["name"] == "张**"
    delivery = session.get(Delivery, task.id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 202)
    # a redelivered message does nothing; another message for the same task version is
    # sent again but the receiver holds it once
    deliver = app.extensions["celery"].tasks[DELIVER]
    assert deliver.apply(kwargs={"task_id": str(task.id), "message_id": "m-1"}).get() == "delivered"
    assert deliver.apply(kwargs={"task_id": str(task.id), "message_id": "m-1"}).get() == "duplicate"
    assert len(market.received) == 1 and len(market.requests) == 2
    decided = client.post(body["decision_url"], headers=system.headers,
                          json={"decision": "approve", "version": body["version"]})
    assert decided.status_code == 200, decided.get_json()


def test_a_system_that_is_down_makes_the_request_schedule_a_retry_not_wait_for_it(
        app, client, people, session, market_down, frozen_clock):
    # The embedded default: the delivery runs in the outbox's own thread.
    assert app.extensions["celery"].conf.task_always_eager
    application = submit(client, people)
    task = market_task(session, application)
    # One try was made and recorded; the next is an outbox message due after the
    # backoff, on the frozen clock: the request's thread made no second try, so it
    # did not wait for one.
    delivery = session.get(Delivery, task.id)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "pending", 1, "ConnectionError")
    [retry] = deliveries_due(session, task.id)
    assert retry.available_at == frozen_clock.now() + dt.timedelta(seconds=BACKOFF)
    # Not due yet: another relay leaves it be.
    reconcile(app)
    session.expire_all()
    assert session.get(Delivery, task.id).attempts == 1
    # Due: beat's reconciler (or the next commit's relay) makes the second try.
    later(app, frozen_clock, BACKOFF)
    session.expire_all()
    assert session.get(Delivery, task.id).attempts == 2
    [second] = deliveries_due(session, task.id)
    assert second.available_at == frozen_clock.now() + dt.timedelta(seconds=2 * BACKOFF)


def test_a_slow_system_never_holds_the_request_that_opened_its_task(
        app, client, people, session, market):
    # The embedded default: the department's system takes the task and does not answer
    # until told; the clerk's submission has its answer meanwhile, and the
    # case's other steps (in-process consumers) are done.
    assert app.extensions["celery"].conf.task_always_eager
    market.answer.clear()
    application = submit(client, people, settle=False)  # answered 201 meanwhile
    assert market.arrived.wait(30), "the delivery was never tried"
    task = market_task(session, application)
    assert session.get(Delivery, task.id) is None or \
        session.get(Delivery, task.id).status == "pending"
    assert market.received == {}  # still waiting for its answer
    market.answer.set()
    publishing.settle(app)
    session.expire_all()
    assert session.get(Delivery, task.id).status == "delivered"
    assert list(market.received) == [f"task-{task.id}-v{task.version}"]


def test_failures_are_retried_with_backoff_then_delivered(app, client, people, session, market,
                                                          frozen_clock):
    market.fail_times = 2
    application = submit(client, people)
    task = market_task(session, application)
    assert (session.get(Delivery, task.id).attempts, len(market.requests)) == (1, 1)
    later(app, frozen_clock, BACKOFF)
    later(app, frozen_clock, 2 * BACKOFF)
    session.expire_all()
    delivery = session.get(Delivery, task.id)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, None)
    assert len(market.requests) == 3 and len(market.received) == 1
    assert deliveries_due(session, task.id) == []


def test_after_the_last_retry_the_failure_is_visible(app, client, people, session, market,
                                                    frozen_clock):
    market.always_fail = True
    application = submit(client, people)
    task = market_task(session, application)
    for retry in range(3):
        later(app, frozen_clock, BACKOFF * 2 ** retry)
    session.expire_all()
    delivery = session.get(Delivery, task.id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 4, 503)
    assert "503" in delivery.last_error
    assert len(market.requests) == 4 and market.received == {}
    assert deliveries_due(session, task.id) == []
    audited = session.scalars(select(AuditRecord.action).where(
        AuditRecord.target_id == application["id"])).all()
    assert "task.delivery_failed" in audited


def test_a_refused_token_is_not_retried(client, people, session, market, monkeypatch):
    monkeypatch.setenv("HUB_MARKET_TOKEN", "wrong")
    application = submit(client, people)
    task = market_task(session, application)
    delivery = session.get(Delivery, task.id)
    assert delivery.status == "failed" and "401" in delivery.last_error
    assert delivery.last_status_code == 401
    assert len(market.requests) == 1 and deliveries_due(session, task.id) == []
