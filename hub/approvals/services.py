"""The walks of parallel approval: submit, decide, withdraw, resubmit, reassign.

Each is one unit of work: the application, its tasks, their due dates, the audit
records, the supervision rollups and the outbox messages are written in ONE
transaction, committed at the end. A decision locks the application row first, so
concurrent decisions on sibling tasks run one after the other; the task's ``version``
is the optimistic check against a stale or repeated decision.
"""
from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hub import audit, clock, idempotency, privacy
from hub.approvals import mapping, numbers, routing
from hub.approvals.calendar_services import load_calendar
from hub.approvals.calendar import local_date
from hub.approvals.forms import form_errors, normalise_answers
from hub.approvals.messages import announce
from hub.approvals.models import SOURCE_SYNC, Application, ApprovalTask
from hub.catalog.models import ServiceItem
from hub.catalog.publication import not_offered
from hub.directory.models import User
from hub.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from hub.permissions import Principal, Scope, allowed, require
from hub.receipts import receipt_codes
from hub.supervision.rollups import track_application, track_task


# -- Reading one case -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _case_statement(by_task: bool, lock: bool) -> Select[tuple[Application]]:
    """The case of ``:id`` (or, ``by_task``, of the task ``:id``). Built once per kind:
    building it and its cache key on every call weighed on every decision (issue 23)."""
    case_id: Any = bindparam("id")
    if by_task:
        case_id = select(ApprovalTask.application_id).where(ApprovalTask.id == case_id) \
            .scalar_subquery()
    stmt = select(Application).where(Application.id == case_id,
                                     Application.deleted_at.is_(None))
    if lock:
        stmt = stmt.with_for_update(of=Application).execution_options(populate_existing=True)
    return stmt


_TASKS = select(ApprovalTask).where(ApprovalTask.application_id == bindparam("id")) \
    .order_by(ApprovalTask.stage, ApprovalTask.department_code)
_TASKS_AFRESH = _TASKS.execution_options(populate_existing=True)


def _case(session: Session, by_task: bool, lock: bool, key: uuid.UUID) -> Application | None:
    """The case (see ``_case_statement``) with its tasks. The tasks in a second statement,
    run once the lock is held: a join in the locking statement would read them from the
    snapshot taken before the wait for the lock (only the locked row is re-read then), and
    two sibling decisions would both win. Read by hand rather than by ``selectinload``,
    whose loader cost a decision more than the statement it runs (issue 23)."""
    app = session.scalars(_case_statement(by_task, lock), {"id": key}).one_or_none()
    if app is not None:
        tasks = session.scalars(_TASKS_AFRESH if lock else _TASKS, {"id": app.id}).all()
        set_committed_value(app, "tasks", list(tasks))
    return app


def load_application(session: Session, application_id: uuid.UUID, *,
                     lock: bool = False) -> Application:
    """The case with its tasks; ``lock`` takes its row lock (SELECT … FOR UPDATE) and
    re-reads it and its tasks, so what follows sees the latest committed state."""
    app = _case(session, False, lock, application_id)
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


def changeable(app: Application) -> Application:
    """The case, if the hub may change it: a case synced from a center's own system is
    that system's record, read-only here (the next night's sync would undo a change)."""
    if app.source == SOURCE_SYNC:
        raise Conflict("该办件由中心自有业务系统受理并同步至数据中心，此处为只读记录；"
                       "撤回、补正等请在该中心业务系统中办理")
    return app


# -- Submission -----------------------------------------------------------------------------


_SCOPE = "application"


def _replay(session: Session, center: str, key: str, request_hash: str) -> Application | None:
    record = idempotency.earlier(session, _SCOPE, center, key, request_hash)
    return load_application(session, record.application_id) if record is not None else None


class Submitted(NamedTuple):
    """What a submission gives back: the case, whether it was a replay of an
    ``Idempotency-Key``, and the receipt code (回执码) to print once."""

    application: Application
    replayed: bool
    receipt_code: str


def submit_application(session: Session, actor: Principal, body: Mapping[str, Any], *,
                       idempotency_key: str | None = None) -> Submitted:
    """Accept a case at a window: the application and its first-stage tasks, all open at
    once, in one transaction, and its receipt code. A replay of the same
    ``Idempotency-Key`` and body returns the case it created, with a new receipt code
    (the first is void: only its hash was kept, and whoever replays never got it)."""
    center = body["center"]
    require(actor, "application.submit", Scope(center=center))
    request_hash = idempotency.request_hash(body)
    if idempotency_key:
        replayed = _replay(session, center, idempotency_key, request_hash)
        if replayed is not None:
            return Submitted(replayed, True, _reissue_receipt(session, actor, replayed))
    item = session.get(ServiceItem, body["service_item"])
    if item is None:
        raise ValidationFailed({"service_item": [f"未知的办事事项：{body['service_item']}"]})
    refusal = not_offered(item, center)
    if refusal:
        raise ValidationFailed({"service_item": [refusal]})
    body = {**body, "form": checked_answers(item.form or [], body["form"])}
    try:
        app, code = _create(session, actor, item, body, idempotency_key, request_hash)
    except IntegrityError:
        # The same key at the same time: the other submission committed first; replay it.
        session.rollback()
        replayed = _replay(session, center, idempotency_key, request_hash) \
            if idempotency_key else None
        if replayed is None:
            raise
        return Submitted(replayed, True, _reissue_receipt(session, actor, replayed))
    return Submitted(app, False, code)


def checked_answers(fields: list[Mapping[str, Any]], answers: Mapping[str, Any], *,
                    previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The one form's answers as they are kept, checked against its fields on the day
    they are entered (``previous``: the answers accepted before, on a resubmission).
    Raises ``ValidationFailed`` naming each field that does not fit."""
    form = normalise_answers(fields, answers)
    errors = form_errors(fields, form, today=local_date(clock.now()), previous=previous)
    if errors:
        raise ValidationFailed(errors)
    return form


def _reissue_receipt(session: Session, actor: Principal, app: Application) -> str:
    code, app.receipt_code_hash = receipt_codes().issue(app.number)
    app.updated_at = clock.now()
    audit.record(session, actor, "application.receipt_reissued", target_type="application",
                 target_id=app.id, center=app.center_code)
    session.commit()
    return code


def reissue_receipt(session: Session, actor: Principal, application_id: uuid.UUID) -> str:
    """A new receipt code for a case whose code the applicant lost (the clerk of its
    center); the old code stops working. Audited."""
    app = readable_application(session, actor, application_id, lock=True)
    require(actor, "application.change", mapping.scope_of(app))
    return _reissue_receipt(session, actor, changeable(app))


def _create(session: Session, actor: Principal, item: ServiceItem, body: Mapping[str, Any],
            idempotency_key: str | None, request_hash: str) -> tuple[Application, str]:
    center = body["center"]
    now = clock.now()
    transition = routing.submit(routing.stages_from(item.stages), submitted_at=now,
                                promised_days=item.promised_days,
                                yellow_days=item.yellow_days, cal=load_calendar(session))
    app = _new_application(session, center, item, body, transition.after, now)
    code, app.receipt_code_hash = receipt_codes().issue(app.number)
    rows = [mapping.new_task_row(app, t, now) for t in transition.after.tasks]
    session.add(app)
    session.add_all(rows)
    if idempotency_key:
        idempotency.remember(session, _SCOPE, center, idempotency_key, request_hash,
                             application_id=app.id)
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
    return app, code


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
    with session.no_autoflush:  # numbered first: the case's row is then written once
        result_number = numbers.result_number(session, app.center_code, now) \
            if transition.result_issued else None
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
    if result_number is not None:
        app.result_number, app.result_issued_at = result_number, now
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


def task_in_reach(session: Session, actor: Principal, task_id: uuid.UUID, action: str
                  ) -> ApprovalTask:
    """The task if ``actor`` may do ``action`` (``task.decide``, ``task.assign``,
    ``task.claim``) in its department, else refused: what every step on a task looks up
    first, before it reads what was sent."""
    task = session.get(ApprovalTask, task_id)
    if task is None:
        raise NotFound("审批任务不存在")
    require(actor, action, Scope(department=task.department_code))
    return task


def decide_task(session: Session, actor: Principal, task_id: uuid.UUID, decision: str,
                comment: str | None, version: int) -> tuple[ApprovalTask, Application]:
    """An approver's (or chief's) decision on a task of their department."""
    # The task's case, locked (sibling decisions serialise on its row) and read with its
    # tasks afresh, found from the task in the same statement: the decision's hot path
    # (issue 23). The department check follows; a refused caller only held the lock
    # until its rollback.
    app = _case(session, True, True, task_id)
    task = next((t for t in app.tasks if t.id == task_id), None) if app is not None else None
    if task is None:
        raise NotFound("审批任务不存在")
    require(actor, "task.decide", Scope(department=task.department_code))
    if decision in ("reject", "request_supplement") and not (comment or "").strip():
        raise ValidationFailed({"comment": ["不予许可或要求补正时须填写意见"]})
    if task.assignee and task.assignee != actor.username and not actor.has_role("chief"):
        # The holder by name (by login only if no longer in the directory).
        holder = session.scalar(select(User.display_name).where(User.username == task.assignee))
        raise PermissionDenied(f"该任务已指派给 {holder or task.assignee}，请由其本人或首席代表处理")
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
    changeable(app)
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
    changeable(app)
    # The case's own form, as it was when accepted: a later edit of the item is not its.
    form = checked_answers((app.routing or {}).get("form") or [], form, previous=app.form)
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
