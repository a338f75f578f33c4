"""Rows ↔ plain data: the engine works on ``routing.Case``; the services write back
exactly what a ``Transition`` changed."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from hub.approvals import routing
from hub.approvals.models import Application, ApprovalTask


@dataclasses.dataclass(frozen=True)
class ApplicationScope:
    """What the permission rules look at for an application."""

    center: str | None
    departments: frozenset[str]
    department: str | None = None


def scope_of(app: Application) -> ApplicationScope:
    return ApplicationScope(center=app.center_code,
                            departments=frozenset(t.department_code for t in app.tasks))


def routing_snapshot(item: Any) -> dict[str, Any]:
    """What a case keeps of its item when submitted: a later change of the item's
    stages or limits does not change the cases already under way."""
    return {"stages": item.stages, "promised_days": item.promised_days,
            "yellow_days": item.yellow_days, "form": item.form, "item_version": item.version}


def task_plain(row: ApprovalTask) -> routing.Task:
    return routing.Task(
        stage=row.stage, department=row.department_code, days=row.days, status=row.status,
        opened_at=row.opened_at,
        deadline=routing.Deadline(row.due_at, row.yellow_at, row.due_at_provisional),
        paused_working_days=row.paused_working_days or 0)


def case_plain(app: Application) -> routing.Case:
    snapshot = app.routing or {}
    if not snapshot.get("stages"):
        raise routing.RoutingError("该办件由中心自有系统同步而来，不在本系统内流转")
    assert app.due_at is not None and app.yellow_at is not None
    return routing.Case(
        stages=routing.stages_from(snapshot["stages"]), status=app.status, stage=app.stage,
        submitted_at=app.submitted_at, promised_days=snapshot["promised_days"],
        yellow_days=snapshot["yellow_days"],
        deadline=routing.Deadline(app.due_at, app.yellow_at, app.due_at_provisional),
        tasks=tuple(task_plain(t) for t in app.tasks), paused_at=app.paused_at,
        paused_working_days=app.paused_working_days or 0, concluded_at=app.concluded_at,
        result_issued=app.result_number is not None)


def new_task_row(app: Application, task: routing.Task, now: dt.datetime) -> ApprovalTask:
    return ApprovalTask(
        application=app, stage=task.stage, department_code=task.department, days=task.days,
        status=task.status, opened_at=task.opened_at, due_at=task.deadline.due_at,
        yellow_at=task.deadline.yellow_at, due_at_provisional=task.deadline.provisional,
        paused_working_days=task.paused_working_days, version=1, created_at=now,
        updated_at=now)


def write_task(row: ApprovalTask, task: routing.Task, now: dt.datetime) -> None:
    row.status = task.status
    row.due_at, row.yellow_at = task.deadline.due_at, task.deadline.yellow_at
    row.due_at_provisional = task.deadline.provisional
    row.paused_working_days = task.paused_working_days
    row.version += 1
    row.updated_at = now


def write_case(app: Application, case: routing.Case, now: dt.datetime) -> None:
    app.status, app.stage = case.status, case.stage
    app.due_at, app.yellow_at = case.deadline.due_at, case.deadline.yellow_at
    app.due_at_provisional = case.deadline.provisional
    app.paused_at, app.paused_working_days = case.paused_at, case.paused_working_days
    app.concluded_at = case.concluded_at
    app.version += 1
    app.updated_at = now


def task_summary(row: ApprovalTask) -> dict[str, Any]:
    """A task as the audit trail records it."""
    return {"task_id": row.id, "stage": row.stage, "department": row.department_code,
            "status": row.status, "due_at": row.due_at, "version": row.version}


def case_summary(app: Application) -> dict[str, Any]:
    """A case as the audit trail records it: no personal data (the applicant is masked)."""
    return {"number": app.number, "status": app.status, "stage": app.stage,
            "due_at": app.due_at, "due_at_provisional": app.due_at_provisional,
            "paused_working_days": app.paused_working_days,
            "result_number": app.result_number}
