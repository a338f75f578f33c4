"""Approval tasks delivered to a department's own system, through the outbox: retried
with backoff, a visible failure after the last retry, once per task as the receiver sees
it; the department system reports its decision back through the tasks API."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from adapters.outbound import deliver_task
from adapters.sample.fake_department import FakeDepartment
from hub.approvals.forms import with_check_character
from hub.approvals.models import ApprovalTask
from hub.audit.models import AuditRecord
from hub.directory.models import Department
from hub.sync.models import Delivery


@pytest.fixture
def app_config():
    return {"outbound_backoff_seconds": 0, "outbound_max_retries": 3}


@pytest.fixture
def market(app, people, session, monkeypatch):
    people.service_item()
    with FakeDepartment(token="market-secret") as fake:
        monkeypatch.setenv("HUB_MARKET_TOKEN", fake.token)
        session.execute(update(Department).where(Department.code == "market").values(
            endpoint={"url": fake.url, "token_env": "HUB_MARKET_TOKEN", "timeout_seconds": 5}))
        yield fake


def submit(client, people):
    clerk = people.clerk()
    response = client.post("/api/v1/applications", headers=clerk.headers, json={
        "service_item": "open-restaurant", "center": "binhe",
        "applicant": {"name": "张三丰", "id_number": with_check_character("21010219900101123"),
                      "phone": "13812345678"},
        "form": {"shop_name": "老边饺子馆"}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def market_task(session, application):
    return session.scalars(select(ApprovalTask).where(
        ApprovalTask.application_id == uuid.UUID(application["id"]),
        ApprovalTask.department_code == "market")).one()


def test_an_opened_task_is_delivered_once_and_decided_back(client, people, session, market):
    # the department system's service account, made before any request (see conftest)
    system = people.approver("market", username="market-system")
    application = submit(client, people)
    task = market_task(session, application)
    assert list(market.received) == [f"task-{task.id}-v{task.version}"]
    body = market.received[f"task-{task.id}-v{task.version}"]
    assert body["form"] == {"shop_name": "老边饺子馆"} and body["department"] == "market"
    assert "*" in body["applicant"]["id_number"] and body["applicant"]["name"] == "张**"
    delivery = session.get(Delivery, task.id)
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    # a redelivered message does nothing; another message for the same task version is
    # sent again but the receiver holds it once
    assert deliver_task.apply(kwargs={"task_id": str(task.id), "message_id": "m-1"}).get() == "delivered"
    assert deliver_task.apply(kwargs={"task_id": str(task.id), "message_id": "m-1"}).get() == "duplicate"
    assert len(market.received) == 1 and len(market.requests) == 2
    decided = client.post(body["decision_url"], headers=system.headers,
                          json={"decision": "approve", "version": body["version"]})
    assert decided.status_code == 200, decided.get_json()


def test_failures_are_retried_with_backoff_then_delivered(client, people, session, market):
    market.fail_times = 2
    application = submit(client, people)
    task = market_task(session, application)
    delivery = session.get(Delivery, task.id)
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert len(market.requests) == 3 and len(market.received) == 1


def test_after_the_last_retry_the_failure_is_visible(client, people, session, market):
    market.always_fail = True
    application = submit(client, people)
    task = market_task(session, application)
    delivery = session.get(Delivery, task.id)
    assert delivery.status == "failed" and delivery.attempts == 4 and "503" in delivery.last_error
    assert len(market.requests) == 4 and market.received == {}
    audited = session.scalars(select(AuditRecord.action).where(
        AuditRecord.target_id == application["id"])).all()
    assert "task.delivery_failed" in audited


def test_a_refused_token_is_not_retried(client, people, session, market, monkeypatch):
    monkeypatch.setenv("HUB_MARKET_TOKEN", "wrong")
    application = submit(client, people)
    delivery = session.get(Delivery, market_task(session, application).id)
    assert delivery.status == "failed" and "401" in delivery.last_error
    assert len(market.requests) == 1
