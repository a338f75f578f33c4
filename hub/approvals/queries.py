"""Reading cases and tasks: the list filters (plain indexed SQL), the cards shown,
and what each caller is shown of a case."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from hub import privacy
from hub.approvals import routing
from hub.approvals.forms import visible_form
from hub.approvals.models import Application, ApprovalTask, DeadlineWarning
from hub.audit.models import AuditRecord
from hub.errors import PermissionDenied
from hub.permissions import Principal, Scope, require


def card(now: dt.datetime, status: str, due_at: dt.datetime | None,
         yellow_at: dt.datetime | None) -> str | None:
    """The card (红黄牌) of an open case or task at ``now``: red past the due date,
    yellow from ``yellow_at``; none while its clock is stopped or once it is done."""
    if status not in (routing.IN_REVIEW, routing.PENDING) or due_at is None:
        return None
    if now > due_at:
        return "red"
    if yellow_at is not None and now >= yellow_at:
        return "yellow"
    return None


def _case_card(now: dt.datetime, level: str) -> Any:
    open_case = Application.status == routing.IN_REVIEW
    if level == "red":
        return and_(open_case, Application.due_at < now)
    return and_(open_case, Application.yellow_at <= now, Application.due_at >= now)


def _task_card(now: dt.datetime, level: str) -> Any:
    # A pending task of a case waiting for a supplement has its clock stopped.
    running = and_(ApprovalTask.status == routing.PENDING,
                   Application.status == routing.IN_REVIEW)
    if level == "red":
        return and_(running, ApprovalTask.due_at < now)
    return and_(running, ApprovalTask.yellow_at <= now, ApprovalTask.due_at >= now)


def applications_query(actor: Principal, now: dt.datetime, *, center: str | None = None,
                       status: str | None = None, warning: str | None = None
                       ) -> Select[tuple[Application]]:
    """Cases a clerk (own center) or a supervisor (any) may list, newest first."""
    if center is None and not actor.has_role("supervisor"):
        center = actor.center
    if center is not None:
        require(actor, "application.list_center", Scope(center=center))
    stmt = (select(Application).where(Application.deleted_at.is_(None))
            .options(selectinload(Application.tasks)))
    if center is not None:
        stmt = stmt.where(Application.center_code == center)
    if status:
        stmt = stmt.where(Application.status == status)
    if warning:
        stmt = stmt.where(_case_card(now, warning))
    return stmt


def tasks_query(actor: Principal, now: dt.datetime, *, status: str = routing.PENDING,
                department: str | None = None, warning: str | None = None
                ) -> Select[tuple[ApprovalTask]]:
    """A department's queue (待办); a supervisor may look at any department or all."""
    if department is None and not actor.has_role("supervisor"):
        department = actor.department
        if department is None:
            raise PermissionDenied("当前账号不属于任何部门，没有待办队列")
    if department is not None:
        require(actor, "task.list_department", Scope(department=department))
    stmt = (select(ApprovalTask).join(Application, Application.id == ApprovalTask.application_id)
            .where(Application.deleted_at.is_(None), ApprovalTask.status == status)
            .options(joinedload(ApprovalTask.application)))
    if department is not None:
        stmt = stmt.where(ApprovalTask.department_code == department)
    if warning:
        stmt = stmt.where(_task_card(now, warning))
    return stmt


def history(session: Session, application_id: uuid.UUID) -> list[AuditRecord]:
    """The case's audit records, oldest first: it is its own history."""
    return list(session.scalars(select(AuditRecord)
                                .where(AuditRecord.target_id == str(application_id))
                                .order_by(AuditRecord.id)))


def warnings_of(session: Session, application_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.scalars(select(DeadlineWarning)
                           .where(DeadlineWarning.application_id == application_id)
                           .order_by(DeadlineWarning.raised_at, DeadlineWarning.id))
    return [{"level": w.level, "task_id": w.task_id, "department": w.department_code,
             "due_at": w.due_at, "raised_at": w.raised_at} for w in rows]


def present_task(task: ApprovalTask, now: dt.datetime) -> dict[str, Any]:
    app = task.application
    paused = app.status == routing.SUPPLEMENT_REQUESTED
    return {
        "id": task.id, "application_id": task.application_id, "application_number": app.number,
        "service_item": app.service_item_code, "center": app.center_code,
        "department": task.department_code, "stage": task.stage, "status": task.status,
        "assignee": task.assignee, "opened_at": task.opened_at, "due_at": task.due_at,
        "yellow_at": task.yellow_at, "due_at_provisional": task.due_at_provisional,
        "paused_working_days": task.paused_working_days,
        "warning": None if paused else card(now, task.status, task.due_at, task.yellow_at),
        "decided_at": task.decided_at, "decided_by": task.decided_by, "comment": task.comment,
        "version": task.version,
    }


def _shown_form(app: Application, viewer: Principal) -> dict[str, Any]:
    """One form, each department its part: an approver or chief sees the fields that
    name their department; the window and supervisors see it whole."""
    if viewer.has_role("clerk", "supervisor", "admin") or not viewer.department:
        return dict(app.form or {})
    fields = (app.routing or {}).get("form") or []
    return visible_form(fields, app.form or {}, viewer.department)


def present_application(app: Application, viewer: Principal, now: dt.datetime, *,
                        history_rows: list[AuditRecord] | None = None,
                        warnings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    result = ({"number": app.result_number, "issued_at": app.result_issued_at}
              if app.result_number else None)
    body: dict[str, Any] = {
        "id": app.id, "number": app.number, "service_item": app.service_item_code,
        "center": app.center_code, "status": app.status, "stage": app.stage,
        "source": app.source,
        "applicant": {"name": privacy.mask_name(app.applicant_name),
                      "id_number": app.applicant_id_masked, "phone": app.applicant_phone_masked},
        "form": _shown_form(app, viewer), "submitted_at": app.submitted_at,
        "due_at": app.due_at, "yellow_at": app.yellow_at,
        "due_at_provisional": app.due_at_provisional,
        "paused": app.status == routing.SUPPLEMENT_REQUESTED,
        "paused_working_days": app.paused_working_days, "concluded_at": app.concluded_at,
        "status_reason": app.status_reason,
        "warning": card(now, app.status, app.due_at, app.yellow_at), "result": result,
        "version": app.version,
        "tasks": [present_task(t, now) for t in sorted(app.tasks, key=lambda t: (
            t.stage, t.department_code))],
    }
    if history_rows is not None:
        body["history"] = [{"at": r.at, "actor": r.actor, "action": r.action,
                            "before": r.before, "after": r.after} for r in history_rows]
    if warnings is not None:
        body["warnings"] = warnings
    return body
