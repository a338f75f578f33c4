"""Approver and chief pages: the department's queue (待办), a task with the department's
part of the one form, decisions, and the chief's reassignment."""
from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from hub import clock, db
from hub.approvals import queries, services
from hub.approvals.calendar_services import load_calendar
from hub.approvals.models import ApprovalTask
from hub.approvals.schemas import AssignmentSchema, DecisionSchema
from hub.directory import services as directory
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.pagination import paginate
from hub.permissions import Scope, allowed, require
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.cases import planned_stages
from hub.web.present import names, remaining_working_days

DECISION_INPUTS = ("decision", "comment", "version")


@bp.route("/queue")
@page("tasks.list")
def queue() -> Any:
    """The department's pending tasks, most urgent first."""
    now = clock.now()
    session = db.session()
    warning = request.args.get("warning") if request.args.get("warning") in ("yellow", "red") \
        else None
    stmt = queries.tasks_query(principal(), now, warning=warning)
    result = paginate(session, stmt, [ApprovalTask.due_at, ApprovalTask.id], limit=100,
                      cursor=request.args.get("cursor") or None)
    cal = load_calendar(session)
    rows = []
    for task in result["items"]:
        row = queries.present_task(task, now)
        row["remaining"] = remaining_working_days(cal, now, task.due_at)
        row["paused"] = task.application.status == "supplement_requested"
        rows.append(row)
    return render_template("queue/list.html", nav="queue", rows=rows, warning=warning,
                           next_cursor=result["next_cursor"], names=names())


def _task_for_decision(task_id: uuid.UUID) -> ApprovalTask:
    """The task, if the caller may decide it: a supervisor (who writes nothing) or
    another department's approver never reaches the decision form."""
    task = db.session().get(ApprovalTask, task_id)
    if task is None:
        raise NotFound("审批任务不存在")
    require(principal(), "task.decide", Scope(department=task.department_code))
    return task


def _task_page(task: ApprovalTask, errors: forms.Errors | None = None,
               posted: dict[str, str] | None = None) -> Any:
    session = db.session()
    p = principal()
    app = services.readable_application(session, p, task.application_id)
    now = clock.now()
    case = queries.present_application(app, p, now,
                                       history_rows=queries.history(session, app.id),
                                       warnings=queries.warnings_of(session, app.id))
    cal = load_calendar(session)
    remaining = {t["id"]: remaining_working_days(cal, now, t["due_at"]) for t in case["tasks"]
                 if t["status"] == "pending"}
    this = next(t for t in case["tasks"] if t["id"] == task.id)
    approvers = []
    if allowed(p, "task.assign", Scope(department=task.department_code)):
        approvers = [(u.username, f"{u.display_name}（{u.username}）")
                     for u in session.scalars(directory.users_query(
                         department=task.department_code, status="active"))
                     if {"approver", "chief"} & set(u.roles)]
    return render_template(
        "queue/task.html", nav="queue", case=case, task=this,
        fields=(app.routing or {}).get("form") or [], remaining=remaining,
        case_remaining=None, department_view=True, names=names(), approvers=approvers,
        planned=planned_stages(app),
        errors=errors or {}, posted=posted or {}), 422 if errors else 200


@bp.route("/tasks/<uuid:task_id>")
@page("tasks.decide")
def task(task_id: uuid.UUID) -> Any:
    return _task_page(_task_for_decision(task_id))


@bp.route("/tasks/<uuid:task_id>/decision", methods=["POST"])
@page("tasks.decide")
def decide(task_id: uuid.UUID) -> Any:
    task = _task_for_decision(task_id)
    posted = request.form.to_dict()
    raw = {"decision": posted.get("decision", ""), "comment": forms.text(request.form, "comment"),
           "version": _int_or_text(posted.get("version", ""))}
    try:
        body = forms.load(DecisionSchema(), raw)
        _, app = services.decide_task(db.session(), principal(), task_id, body["decision"],
                                      body.get("comment"), body["version"])
    except ValidationFailed as exc:
        return _task_page(task, forms.place(exc.errors, DECISION_INPUTS), posted)
    except Conflict as exc:
        flash(exc.detail, "error")
        return redirect(url_for("web.task", task_id=task_id))
    flash(f"已对办件 {app.number} 作出决定")
    return redirect(url_for("web.queue"))


@bp.route("/tasks/<uuid:task_id>/assign", methods=["POST"])
@page("tasks.assign")
def assign(task_id: uuid.UUID) -> Any:
    task = _task_for_decision(task_id)
    try:
        body = forms.load(AssignmentSchema(), {"assignee": forms.text(request.form, "assignee")
                                               or ""})
        services.assign_task(db.session(), principal(), task_id, body["assignee"])
    except ValidationFailed as exc:
        return _task_page(task, forms.place(exc.errors, ["assignee"]))
    except Conflict as exc:
        flash(exc.detail, "error")
        return redirect(url_for("web.task", task_id=task_id))
    flash(f"已指派给 {body['assignee']}")
    return redirect(url_for("web.task", task_id=task_id))


def _int_or_text(raw: str) -> int | str:
    try:
        return int(raw)
    except ValueError:
        return raw
