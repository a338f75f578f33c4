"""The walks of parallel approval: submit, decide, withdraw, resubmit, reassign.

Each is one unit of work: the application, its tasks, their due dates, the audit
records, the supervision rollups and the outbox messages are written in ONE
transaction, committed at the end. A decision locks the application row first, so
concurrent decisions on sibling tasks run one after the other; the task's ``version``
is the optimistic check against a stale or repeated decision.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from hub import audit, clock, privacy
from hub.approvals import mapping, numbers, routing
from hub.approvals.calendar_services import load_calendar
from hub.approvals.forms import form_errors
from hub.approvals.messages import announce
from hub.approvals.models import Application, ApprovalTask, IdempotencyRecord
from hub.catalog.models import ServiceItem
from hub.directory.models import User
from hub.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from hub.permissions import Principal, Scope, allowed, require
from hub.supervision.rollups import track_application, track_task


# -- Reading one case -------------------------------------------------------------------------


def load_application(session: Session, application_id: uuid.UUID, *,
                     lock: bool = False) -> Application:
    """The case with its tasks; ``lock`` takes its row lock (SELECT … FOR UPDATE) and
    re-reads it and its tasks, so what follows sees the latest committed state."""
    stmt = select(Application).where(Application.id == application_id,
                                     Application.deleted_at.is_(None))
    if lock:
        stmt = stmt.with_for_update(of=Application).execution_options(populate_existing=True)
    # populate_existing reaches the tasks' selectin load too: they are re-read as well.
    app = session.scalars(stmt.options(selectinload(Application.tasks))).one_or_none()
    if app is None:
        raise NotFound("办件不存在")
    return app


def readable_application(session: Session, actor: Principal, application_id: uuid.UUID, *,
                         lock: bool = False) -> Application:
    """The case if ``actor`` may see it; one they may not see is "not found" (its
    existence is not told)."""
    app = load_application(session, application_id, lock=lock)
    if not allowed(actor, "application.read", mapping.scope_of(app)):
        raise NotFound("办件不存在")
    return app


# -- Submission -----------------------------------------------------------------------------


def _request_hash(body: Mapping[str, Any]) -> str:
    # Keyed, because the body holds an ID number: a plain hash of it could be guessed.
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    key = current_app.config["HUB_SETTINGS"].secret_key.encode()
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def _replay(session: Session, center: str, key: str, request_hash: str) -> Application | None:
    record = session.scalars(select(IdempotencyRecord).where(
        IdempotencyRecord.center_code == center, IdempotencyRecord.key == key)).one_or_none()
    if record is None:
        return None
    if not hmac.compare_digest(record.request_hash, request_hash):
        raise Conflict("该 Idempotency-Key 已用于另一份不同的申请，请换一个键")
    return load_application(session, record.application_id)


def submit_application(session: Session, actor: Principal, body: Mapping[str, Any], *,
                       idempotency_key: str | None = None) -> tuple[Application, bool]:
    """Accept a case at a window: the application and its first-stage tasks, all open at
    once, in one transaction. Returns (application, replayed): a replay of the same
    ``Idempotency-Key`` and body returns the case it created."""
    center = body["center"]
    require(actor, "application.submit", Scope(center=center))
    request_hash = _request_hash(body)
    if idempotency_key:
        replayed = _replay(session, center, idempotency_key, request_hash)
        if replayed is not None:
            return replayed, True
    item = session.get(ServiceItem, body["service_item"])
    if item is None:
        raise ValidationFailed({"service_item": [f"未知的办事事项：{body['service_item']}"]})
    errors = form_errors(item.form or [], body["form"])
    if errors:
        raise ValidationFailed(errors)
    try:
        app = _create(session, actor, item, body, idempotency_key, request_hash)
    except IntegrityError:
        # The same key at the same time: the other submission committed first; replay it.
        session.rollback()
        replayed = _replay(session, center, idempotency_key, request_hash) \
            if idempotency_key else None
        if replayed is None:
            raise
        return replayed, True
    return app, False


def _create(session: Session, actor: Principal, item: ServiceItem, body: Mapping[str, Any],
            idempotency_key: str | None, request_hash: str) -> Application:
    center = body["center"]
    now = clock.now()
    transition = routing.submit(routing.stages_from(item.stages), submitted_at=now,
                                promised_days=item.promised_days,
                                yellow_days=item.yellow_days, cal=load_calendar(session))
    app = _new_application(session, center, item, body, transition.after, now)
    rows = [mapping.new_task_row(app, t, now) for t in transition.after.tasks]
    session.add(app)
    session.add_all(rows)
    if idempotency_key:
        session.add(IdempotencyRecord(center_code=center, key=idempotency_key,
                                      request_hash=request_hash, application_id=app.id,
                                      created_at=now))
    session.flush()  # a concurrent use of the key fails here, before anything else
    audit.record(session, actor, "application.submitted", target_type="application",
                 target_id=app.id, center=center,
                 after={**mapping.case_summary(app), "service_item": item.code,
                        "applicant": _masked_applicant(app),
                        "tasks": [mapping.task_summary(r) for r in rows]})
    track_application(session, app, None)
    for row in rows:
        track_task(session, row, None)
    announce(session, app, opened=rows)
    session.commit()
    return app


def _new_application(session: Session, center: str, item: ServiceItem, body: Mapping[str, Any],
                     case: routing.Case, now: dt.datetime) -> Application:
    applicant = body["applicant"]
    cipher = privacy.cipher()
    id_number = privacy.normalise(applicant["id_number"])
    phone = "".join(applicant["phone"].split())
    return Application(
        id=uuid.uuid4(), number=numbers.application_number(session, center, now),
        center_code=center, service_item_code=item.code, status=case.status, stage=case.stage,
        source="hub", applicant_name=applicant["name"].strip(),
        applicant_id_encrypted=cipher.encrypt(id_number),
        applicant_id_hash=cipher.lookup_hash(id_number),
        applicant_id_masked=privacy.mask_id_number(id_number),
        applicant_phone_encrypted=cipher.encrypt(phone),
        applicant_phone_hash=cipher.lookup_hash(phone),
        applicant_phone_masked=privacy.mask_phone(phone),
        form=dict(body["form"]), routing=mapping.routing_snapshot(item), submitted_at=now,
        due_at=case.deadline.due_at, yellow_at=case.deadline.yellow_at,
        due_at_provisional=case.deadline.provisional, paused_working_days=0, version=1,
        created_at=now, updated_at=now)


def _masked_applicant(app: Application) -> dict[str, Any]:
    return {"name": privacy.mask_name(app.applicant_name), "id_number": app.applicant_id_masked,
            "phone": app.applicant_phone_masked}


# -- Applying a transition ----------------------------------------------------------------------


def apply_transition(session: Session, app: Application, transition: routing.Transition,
           now: dt.datetime) -> tuple[list[ApprovalTask], dict[uuid.UUID, str]]:
    """Write what the engine changed; count it in the rollups. Returns the tasks opened
    and, for each task whose status changed, its previous status."""
    rows = {(t.stage, t.department_code): t for t in app.tasks}
    previous_app_status = app.status
    previous: dict[uuid.UUID, str] = {}
    for key in transition.changed:
        row, plain = rows[key], transition.after.task(key)
        if row.status != plain.status:
            previous[row.id] = row.status
        mapping.write_task(row, plain, now)
    opened = [mapping.new_task_row(app, transition.after.task(key), now)
              for key in transition.opened]
    session.add_all(opened)
    mapping.write_case(app, transition.after, now)
    if transition.result_issued:
        app.result_number = numbers.result_number(session, app.center_code, now)
        app.result_issued_at = now
    session.flush()
    for row in app.tasks:
        if row.id in previous:
            track_task(session, row, previous[row.id])
    for row in opened:
        track_task(session, row, None)
    if transition.status_changed:
        track_application(session, app, previous_app_status)
    return opened, previous


def _record_case_change(session: Session, actor: Principal, app: Application,
                        before: dict[str, Any], action: str,
                        extra: Mapping[str, Any] | None = None) -> None:
    changed_before, changed_after = audit.changes(before, mapping.case_summary(app))
    audit.record(session, actor, action, target_type="application", target_id=app.id,
                 center=app.center_code, before=changed_before,
                 after={**changed_after, **(extra or {})})


# -- Decisions ----------------------------------------------------------------------------------


def decide_task(session: Session, actor: Principal, task_id: uuid.UUID, decision: str,
                comment: str | None, version: int) -> tuple[ApprovalTask, Application]:
    """An approver's (or chief's) decision on a task of their department."""
    task = session.get(ApprovalTask, task_id)
    if task is None:
        raise NotFound("审批任务不存在")
    require(actor, "task.decide", Scope(department=task.department_code))
    if decision in ("reject", "request_supplement") and not (comment or "").strip():
        raise ValidationFailed({"comment": ["不予许可或要求补正时须填写意见"]})
    # Sibling decisions serialise on the application's row; then read the task afresh.
    app = load_application(session, task.application_id, lock=True)
    task = next(t for t in app.tasks if t.id == task_id)
    if task.assignee and task.assignee != actor.username and not actor.has_role("chief"):
        raise PermissionDenied(f"该任务已指派给 {task.assignee}，请由其本人或首席代表处理")
    if task.status != routing.PENDING:
        raise Conflict("该审批任务已有决定，不能重复处理", current_version=task.version)
    if task.version != version:
        raise Conflict(f"任务已被他人更新（当前版本 {task.version}），请刷新后重试",
                       current_version=task.version)
    now = clock.now()
    before_task, before_case = mapping.task_summary(task), mapping.case_summary(app)
    transition = routing.decide(mapping.case_plain(app), (task.stage, task.department_code),
                                decision, now=now, cal=load_calendar(session))
    task.decided_at, task.decided_by = now, actor.username
    task.comment = (comment or "").strip() or None
    opened, previous = apply_transition(session, app, transition, now)
    audit.record(session, actor, f"task.{task.status}", target_type="application",
                 target_id=app.id, center=app.center_code, before=before_task,
                 after={**mapping.task_summary(task), "decision": decision,
                        "comment": task.comment})
    if transition.status_changed or opened:
        _record_case_change(session, actor, app, before_case, f"application.{app.status}"
                            if transition.status_changed else "application.stage_opened",
                            {"tasks_opened": [mapping.task_summary(r) for r in opened]}
                            if opened else None)
    announce(session, app, opened=opened, previous_tasks=previous,
             status_changed=transition.status_changed)
    session.commit()
    return task, app


def withdraw_application(session: Session, actor: Principal, application_id: uuid.UUID,
                         reason: str) -> Application:
    """The applicant withdraws the case (撤回) at the window; its open tasks are cancelled."""
    app = readable_application(session, actor, application_id, lock=True)
    require(actor, "application.change", mapping.scope_of(app))
    now = clock.now()
    before = mapping.case_summary(app)
    transition = routing.withdraw(mapping.case_plain(app), now=now, cal=load_calendar(session))
    app.status_reason = reason
    _, previous = apply_transition(session, app, transition, now)
    _record_case_change(session, actor, app, before, "application.withdrawn",
                        {"reason": reason, "tasks_cancelled": len(previous)})
    announce(session, app, previous_tasks=previous, status_changed=True)
    session.commit()
    return app


def resubmit_application(session: Session, actor: Principal, application_id: uuid.UUID,
                         form: Mapping[str, Any]) -> Application:
    """The supplementary material is in (补正): the clock runs again and the tasks that
    asked are pending again."""
    app = readable_application(session, actor, application_id, lock=True)
    require(actor, "application.change", mapping.scope_of(app))
    item = session.get(ServiceItem, app.service_item_code)
    errors = form_errors(item.form if item else [], form)
    if errors:
        raise ValidationFailed(errors)
    now = clock.now()
    before = mapping.case_summary(app)
    transition = routing.resubmit(mapping.case_plain(app), now=now, cal=load_calendar(session))
    form_before, form_after = audit.changes(app.form, dict(form))
    app.form = dict(form)
    _, previous = apply_transition(session, app, transition, now)
    _record_case_change(session, actor, app, before, "application.resubmitted",
                        {"form_changed": sorted(form_after), "form_before": form_before,
                         "form_after": form_after})
    announce(session, app, previous_tasks=previous, status_changed=True)
    session.commit()
    return app


def assign_task(session: Session, actor: Principal, task_id: uuid.UUID,
                assignee: str) -> ApprovalTask:
    """A chief representative hands a pending task to another approver of the department."""
    task = session.get(ApprovalTask, task_id)
    if task is None:
        raise NotFound("审批任务不存在")
    require(actor, "task.assign", Scope(department=task.department_code))
    app = load_application(session, task.application_id, lock=True)
    task = next(t for t in app.tasks if t.id == task_id)
    if task.status != routing.PENDING:
        raise Conflict("只能指派待办的审批任务")
    user = session.scalars(select(User).where(User.username == assignee)).one_or_none()
    if (user is None or user.status != "active" or user.department_code != task.department_code
            or not {"approver", "chief"} & set(user.roles)):
        raise ValidationFailed({"assignee": ["应为本部门在职的审批人员"]})
    before = mapping.task_summary(task) | {"assignee": task.assignee}
    now = clock.now()
    task.assignee = assignee
    task.version += 1
    task.updated_at = now
    audit.record(session, actor, "task.assigned", target_type="application", target_id=app.id,
                 center=app.center_code, before=before,
                 after=mapping.task_summary(task) | {"assignee": assignee})
    session.commit()
    return task


def applicant_in_clear(session: Session, actor: Principal,
                       application_id: uuid.UUID) -> dict[str, str | None]:
    """The applicant unmasked, for the clerk of the case's center or a supervisor; the
    look itself is audited (who saw whose personal data, when)."""
    app = readable_application(session, actor, application_id)
    require(actor, "application.read_applicant", mapping.scope_of(app))
    cipher = privacy.cipher()
    audit.record(session, actor, "application.applicant_viewed", target_type="application",
                 target_id=app.id, center=app.center_code,
                 after={"fields": ["name", "id_number", "phone"]})
    session.commit()
    return {"name": app.applicant_name,
            "id_number": cipher.decrypt(app.applicant_id_encrypted)
            if app.applicant_id_encrypted else None,
            "phone": cipher.decrypt(app.applicant_phone_encrypted)
            if app.applicant_phone_encrypted else None}
