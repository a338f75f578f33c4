"""Outbound delivery: an approval task, once open, delivered to its department's own
business system (``Department.endpoint``), through the outbox.

The outbox relay calls the Celery task ``outbound.deliver_task`` at least once per
message; the department system sees each task once, by its ``Idempotency-Key``
(``task-<id>-v<version>``: a task handed back after a supplement is a new delivery).
Failures that a retry can fix (timeouts, 5xx, 429) are retried with exponential
backoff; after the last retry, or on a refusal no retry can fix (401/403, 4xx), the
delivery is marked failed, logged and audited: a visible incident. The department
system reports its decision back through ``POST /api/v1/tasks/{id}/decision`` with
its own service account.
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from typing import Any

import marshmallow as ma
import requests
from celery import shared_task
from flask import current_app
from marshmallow import validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import audit, clock, db, privacy
from hub.approvals.models import ApprovalTask
from hub.catalog.models import ServiceItem
from hub.directory.models import Department
from hub.outbox.models import ProcessedMessage
from hub.outbox.services import claim
from hub.permissions import Principal
from hub.sync.models import Delivery

log = logging.getLogger("adapters.outbound")

CONSUMER = "outbound.deliver_task"
ACTOR = Principal.system("outbound")
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


class EndpointSchema(ma.Schema):
    """A department's own system, in ``Department.endpoint``."""

    class Meta:
        unknown = ma.EXCLUDE

    url = ma.fields.Url(required=True, require_tld=False, schemes={"http", "https"})
    token_env = ma.fields.String(load_default=None, allow_none=True,
                                 validate=validate.Regexp(r"^[A-Z_][A-Z0-9_]*$"))
    timeout_seconds = ma.fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=120))


class PermanentFailure(Exception):
    """The department system refused the delivery in a way no retry can fix."""


class TransientFailure(Exception):
    """A timeout, a 5xx or a 429: worth another try later."""


def payload(session: Session, task: ApprovalTask) -> dict[str, Any]:
    """What the department sees: its task, and its part of the one form (一张表); the
    applicant masked."""
    application = task.application
    item = session.get(ServiceItem, application.service_item_code)
    visible = {f["name"] for f in (item.form if item else []) if task.department_code in
               f.get("departments", [])}
    return {
        "task_id": str(task.id), "version": task.version, "department": task.department_code,
        "stage": task.stage, "days": task.days, "opened_at": task.opened_at.isoformat(),
        "due_at": task.due_at.isoformat(), "application_id": str(application.id),
        "application_number": application.number, "center": application.center_code,
        "service_item": application.service_item_code,
        "service_item_name": item.name if item else None,
        "applicant": {"name": privacy.mask_name(application.applicant_name),
                      "id_number": application.applicant_id_masked},
        "form": {k: v for k, v in (application.form or {}).items() if k in visible},
        "decision_url": f"/api/v1/tasks/{task.id}/decision",
    }


def send(endpoint: dict[str, Any], key: str, body: dict[str, Any]) -> int:
    """POST the task; the status code, or a failure saying whether to try again."""
    headers = {"Idempotency-Key": key, "User-Agent": "service-center-hub-outbound/1"}
    if endpoint.get("token_env"):
        token = os.environ.get(endpoint["token_env"])
        if not token:
            raise PermanentFailure(f"访问令牌变量 {endpoint['token_env']} 未设置")
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = requests.post(endpoint["url"], json=body, headers=headers,
                                 timeout=endpoint["timeout_seconds"])
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientFailure(type(exc).__name__) from exc
    if response.status_code in RETRYABLE:
        raise TransientFailure(f"HTTP {response.status_code}")
    if response.status_code >= 400 and response.status_code != 409:  # 409: already held
        raise PermanentFailure(f"HTTP {response.status_code}")
    return response.status_code


def _record(session: Session, task: ApprovalTask, status: str, *, attempts: int,
            error: str | None = None) -> None:
    now = clock.now()
    delivery = session.get(Delivery, task.id)
    if delivery is None:
        delivery = Delivery(task_id=task.id, application_id=task.application_id,
                            department_code=task.department_code, created_at=now)
        session.add(delivery)
    delivery.status, delivery.attempts, delivery.last_error = status, attempts, error
    delivery.updated_at = now
    if status == "delivered":
        delivery.delivered_at = now
    audit.record(session, ACTOR, f"task.{'delivered' if status == 'delivered' else 'delivery_failed'}",
                 target_type="application", target_id=task.application_id,
                 center=task.application.center_code,
                 after={"task_id": str(task.id), "department": task.department_code,
                        "attempts": attempts, "error": error})


def _pending_attempts(session: Session, task: ApprovalTask) -> int:
    """Tries already made for the task's current delivery (kept in the database, so the
    count survives redeliveries and restarts)."""
    delivery = session.get(Delivery, task.id)
    return delivery.attempts if delivery is not None and delivery.status == "pending" else 0


def _count_attempt(session: Session, task_id: uuid.UUID, attempts: int, error: str) -> None:
    task = session.get(ApprovalTask, task_id)
    now = clock.now()
    delivery = session.get(Delivery, task_id) or Delivery(
        task_id=task_id, application_id=task.application_id,
        department_code=task.department_code, created_at=now)
    delivery.status, delivery.attempts, delivery.last_error = "pending", attempts, error
    delivery.updated_at = now
    session.add(delivery)
    session.commit()


@shared_task(name=CONSUMER, bind=True, acks_late=True)
def deliver_task(self: Any, task_id: str, message_id: str) -> str:
    """Deliver an opened approval task to its department's system (idempotent)."""
    config = current_app.config["HUB_SETTINGS"]
    key_id = uuid.UUID(task_id)
    with db.get_database().session_scope() as session:
        if session.scalar(select(ProcessedMessage.id).where(
                ProcessedMessage.consumer == CONSUMER,
                ProcessedMessage.message_id == str(message_id))) is not None:
            return "duplicate"
        task = session.get(ApprovalTask, key_id)
        if task is None or task.status != "pending":
            claim(session, CONSUMER, message_id)
            session.commit()
            return "not pending"
        department = session.get(Department, task.department_code)
        try:
            endpoint = EndpointSchema().load(department.endpoint or {}) if department else None
        except ma.ValidationError as exc:
            endpoint, problem = None, f"部门系统配置有误：{exc.messages}"
        else:
            problem = "部门未配置业务系统"
        key = f"task-{task.id}-v{task.version}"
        body = payload(session, task)
        attempt = _pending_attempts(session, task)
        session.rollback()  # no transaction held while the department system answers
        while True:
            attempt += 1
            try:
                if endpoint is None:
                    raise PermanentFailure(problem)
                send(endpoint, key, body)
            except TransientFailure as exc:
                if attempt <= config.outbound_max_retries:
                    _count_attempt(session, key_id, attempt, str(exc))
                    delay = min(3600.0, config.outbound_backoff_seconds * 2 ** (attempt - 1))
                    log.warning("delivery_retry task=%s attempt=%d error=%s delay=%.0f",
                                task_id, attempt, exc, delay)
                    if self.request.is_eager:  # the embedded default: no broker to wait in
                        time.sleep(delay)
                        continue
                    raise self.retry(countdown=delay, max_retries=None, exc=exc) from exc
                outcome, error = "failed", f"重试 {attempt - 1} 次后仍失败：{exc}"
            except PermanentFailure as exc:
                outcome, error = "failed", str(exc)
            else:
                outcome, error = "delivered", None
            break
        task = session.get(ApprovalTask, key_id)
        if not claim(session, CONSUMER, message_id):
            session.rollback()
            return "duplicate"
        _record(session, task, outcome, attempts=attempt, error=error)
        session.commit()
    if outcome == "failed":
        log.error("delivery_failed task=%s attempts=%d error=%s", task_id, attempt, error)
    return outcome
