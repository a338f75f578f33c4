"""Delivering an approval task to its department's system, one try per outbox message.

The consumer of ``outbound.deliver_task`` (``deliver``) makes ONE try through the port's
``Sender`` and records it. A try that failed in a way a retry can fix schedules the next
one as a new outbox message due after an exponential backoff, in the same transaction:
the relay or beat's reconciler publishes it when it falls due. Nothing waits for a
retry, so the embedded default (Celery in-process, the relay run in the thread that
committed the request) never blocks a request. After the last retry, or on a refusal
no retry can fix, the delivery is failed, logged and audited: a visible incident.

The department system sees each task version once, by its ``Idempotency-Key``
(``task-<id>-v<version>``: a task handed back after a supplement is a new delivery), and
reports its decision back through ``POST /api/v1/tasks/{id}/decision``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub import audit, clock, privacy
from hub.approvals.forms import visible_form
from hub.approvals.messages import DELIVER
from hub.approvals.models import ApprovalTask
from hub.catalog.models import ServiceItem
from hub.db import upsert
from hub.delivery.models import DELIVERED, FAILED, PENDING, Delivery
from hub.delivery.port import DeliveryFailure, PermanentFailure, Sender, TransientFailure
from hub.directory.models import Department
from hub.outbox.models import ProcessedMessage
from hub.outbox.services import claim, enqueue
from hub.permissions import Principal

log = logging.getLogger("hub.delivery")

ACTOR = Principal.system("outbound")
MAX_DELAY_SECONDS = 3600.0


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` tries after the first; the n-th retry ``backoff_seconds`` × 2ⁿ⁻¹
    after the try before it, at most an hour."""

    max_retries: int
    backoff_seconds: float

    def delay(self, attempt: int) -> dt.timedelta:
        """The wait after the failed try number ``attempt`` (1-based)."""
        return dt.timedelta(seconds=min(MAX_DELAY_SECONDS,
                                        self.backoff_seconds * 2 ** (attempt - 1)))


@dataclasses.dataclass(frozen=True)
class _Try:
    status: str  # delivered | failed | pending (a retry is scheduled)
    error: str | None = None
    status_code: int | None = None


def payload(session: Session, task: ApprovalTask) -> dict[str, Any]:
    """What the department sees: its task, and its part of the one form (一张表); the
    applicant masked."""
    application = task.application
    item = session.get(ServiceItem, application.service_item_code)
    return {
        "task_id": str(task.id), "version": task.version, "department": task.department_code,
        "stage": task.stage, "days": task.days, "opened_at": task.opened_at.isoformat(),
        "due_at": task.due_at.isoformat(), "application_id": str(application.id),
        "application_number": application.number, "center": application.center_code,
        "service_item": application.service_item_code,
        "service_item_name": item.name if item else None,
        "applicant": {"name": privacy.mask_name(application.applicant_name),
                      "id_number": application.applicant_id_masked},
        # The form the case was accepted with (its routing), not the item's current one.
        "form": visible_form((application.routing or {}).get("form") or [],
                             application.form or {}, task.department_code),
        "decision_url": f"/api/v1/tasks/{task.id}/decision",
    }


def _attempts_made(session: Session, task_id: uuid.UUID) -> int:
    """Tries already made for the task's current delivery (kept in the database, so the
    count survives redeliveries and restarts)."""
    delivery = session.get(Delivery, task_id)
    return delivery.attempts if delivery is not None and delivery.status == PENDING else 0


def _try(send: Sender, endpoint: Mapping[str, Any] | None, key: str, body: dict[str, Any],
         attempt: int, policy: RetryPolicy) -> _Try:
    """One try, outside any transaction (the department system may be slow)."""
    try:
        if endpoint is None:
            raise PermanentFailure("部门未配置业务系统")
        status_code = send(endpoint, key, body)
    except TransientFailure as exc:
        if attempt <= policy.max_retries:
            return _Try(PENDING, str(exc), exc.status_code)
        return _Try(FAILED, f"重试 {attempt - 1} 次后仍失败：{exc}", exc.status_code)
    except DeliveryFailure as exc:
        return _Try(FAILED, str(exc), exc.status_code)
    return _Try(DELIVERED, status_code=status_code)


def _save(session: Session, task: ApprovalTask, outcome: _Try, attempts: int,
          now: dt.datetime) -> None:
    """The delivery row of ``task`` after a try (created by the first)."""
    stmt = upsert(session, Delivery).values(
        task_id=task.id, application_id=task.application_id,
        department_code=task.department_code, status=outcome.status, attempts=attempts,
        last_error=outcome.error, last_status_code=outcome.status_code,
        delivered_at=now if outcome.status == DELIVERED else None, created_at=now,
        updated_at=now)
    table = Delivery.__table__
    session.execute(stmt.on_conflict_do_update(index_elements=["task_id"], set_={
        **{name: stmt.excluded[name] for name in
           ("status", "attempts", "last_error", "last_status_code", "updated_at")},
        "delivered_at": func.coalesce(stmt.excluded.delivered_at, table.c.delivered_at)}))


def _conclude(session: Session, task: ApprovalTask, outcome: _Try, attempt: int,
              policy: RetryPolicy, now: dt.datetime) -> None:
    """Record the try; schedule the next one, or audit the delivery's end."""
    _save(session, task, outcome, attempt, now)
    if outcome.status == PENDING:
        delay = policy.delay(attempt)
        enqueue(session, DELIVER, {"task_id": str(task.id)},
                dedupe_key=f"deliver:{task.id}:{task.version}:try-{attempt + 1}",
                available_at=now + delay)
        log.warning("delivery_retry_scheduled task=%s attempt=%d error=%s delay=%.0f",
                    task.id, attempt, outcome.error, delay.total_seconds())
        return
    action = "task.delivered" if outcome.status == DELIVERED else "task.delivery_failed"
    audit.record(session, ACTOR, action, target_type="application",
                 target_id=task.application_id, center=task.application.center_code,
                 after={"task_id": str(task.id), "department": task.department_code,
                        "attempts": attempt, "error": outcome.error})


def deliver(session: Session, task_id: uuid.UUID, message_id: str, send: Sender,
            policy: RetryPolicy) -> str:
    """The consumer of ``outbound.deliver_task``: one try to deliver the task, if it is
    still pending (idempotent per message). Returns ``delivered``, ``failed``, ``retry``
    (the next try is scheduled), ``not pending`` or ``duplicate``. Commits."""
    if session.scalar(select(ProcessedMessage.id).where(
            ProcessedMessage.consumer == DELIVER,
            ProcessedMessage.message_id == str(message_id))) is not None:
        return "duplicate"
    task = session.get(ApprovalTask, task_id)
    if task is None or task.status != "pending":
        claim(session, DELIVER, message_id)
        session.commit()
        return "not pending"
    department = session.get(Department, task.department_code)
    endpoint = department.endpoint if department is not None else None
    key, body = f"task-{task.id}-v{task.version}", payload(session, task)
    attempt = _attempts_made(session, task_id) + 1
    session.rollback()  # no transaction held while the department system answers
    outcome = _try(send, endpoint or None, key, body, attempt, policy)
    now = clock.now()
    task = session.get(ApprovalTask, task_id)
    if not claim(session, DELIVER, message_id):
        session.rollback()
        return "duplicate"
    _conclude(session, task, outcome, attempt, policy, now)
    session.commit()
    if outcome.status == FAILED:
        log.error("delivery_failed task=%s attempts=%d error=%s", task_id, attempt,
                  outcome.error)
    return "retry" if outcome.status == PENDING else outcome.status
