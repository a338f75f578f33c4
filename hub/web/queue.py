"""Approver and chief pages: the department's queue (待办) as each approver's own tasks
(我的待办), the department's pool (部门待领) and the whole department, a task with the
department's part of the one form, claiming and releasing, decisions, and the chief's
reassignment. A decision that fails keeps what was typed."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from hub import clock, db
from hub.approvals import assignment, cards, queries, services
from hub.approvals.calendar_services import load_calendar
from hub.approvals.models import ApprovalTask
from hub.approvals.schemas import AssignmentSchema, DecisionSchema, VersionSchema
from hub.directory import services as directory
from hub.domain_errors import StateConflict
from hub.errors import Conflict, PermissionDenied, ValidationFailed
from hub.pagination import paginate
from hub.tickets import lifecycle as lc
from hub.tickets import queries as ticket_queries
from hub.tickets.models import Ticket
from hub.permissions import Scope, allowed
from hub.web import forms
from hub.web.blueprint import bp, page, principal, safe_next
from hub.web.cases import planned_stages
from hub.web.notices import case_notices, department_notices
from hub.web.present import last_round_changes, names, people, remaining_working_days

DECISION_INPUTS = ("decision", "comment", "version")
# The queue's three views: whose tasks each lists (tasks_query's ``assignee``).
VIEWS = {"mine": queries.ME, "pool": queries.NOBODY, "all": None}


@bp.route("/queue")
@page("tasks.list")
def queue() -> Any:
    """The department's pending tasks, most urgent first: the caller's own, the pool no one
    has claimed, or all of them; each view's count in its tab."""
    now = clock.now()
    session = db.session()
    p = principal()
    warning = request.args.get("warning") if request.args.get("warning") in cards.LEVELS \
        else None
    counts = {view: session.scalar(select(func.count()).select_from(
        queries.tasks_query(p, now, warning=warning, assignee=whose).subquery()))
        for view, whose in VIEWS.items()}
    view = request.args.get("view")
    if view not in VIEWS:
        view = "mine" if counts["mine"] else "pool"
    stmt = queries.tasks_query(p, now, warning=warning, assignee=VIEWS[view])
    result = paginate(session, stmt, [ApprovalTask.due_at, ApprovalTask.id], limit=50,
                      cursor=request.args.get("cursor") or None)
    cal = load_calendar(session)
    rows = []
    for task in result["items"]:
        row = queries.present_task(task, now)
        row["remaining"] = remaining_working_days(cal, now, task.due_at)
        row["paused"] = task.application.status == "supplement_requested"
        rows.append(row)
    return render_template("queue/list.html", nav="queue", rows=rows, warning=warning,
                           view=view, counts=counts, page=result, names=names(),
                           staff=people(r["assignee"] for r in rows),
                           department_notices=department_notices(),
                           tickets=_department_tickets(now))


TICKETS_BESIDE = 10


def _department_tickets(now: dt.datetime) -> list[dict[str, Any]]:
    """The department's tickets awaiting its answer, most urgent first, beside its tasks."""
    stmt = (ticket_queries.tickets_query(principal(), now)
            .where(Ticket.status.in_(lc.AWAITING_ANSWER))
            .order_by(Ticket.due_at, Ticket.id).limit(TICKETS_BESIDE))
    return [ticket_queries.present(t, now) for t in db.session().scalars(stmt)]


def _task_in_reach(task_id: uuid.UUID, action: str = "task.decide") -> ApprovalTask:
    """The task, if the caller may do ``action`` in its department: a supervisor (who
    writes nothing) or another department's approver never reaches its form, and every
    button on it is refused before anything posted is read."""
    return services.task_in_reach(db.session(), principal(), task_id, action)


def _task_page(task: ApprovalTask, errors: forms.Errors | None = None,
               posted: dict[str, str] | None = None, status: int | None = None) -> Any:
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
        centers = names()["centers"]  # the assignee's center beside the name (issue 21)
        approvers = [(u.username, f"{u.display_name}（{centers.get(u.center_code, '')}，"
                                  f"{u.username}）" if u.center_code else
                      f"{u.display_name}（{u.username}）")
                     for u in session.scalars(directory.users_query(
                         department=task.department_code, status="active"))
                     if {"approver", "chief"} & set(u.roles)]
    fields = (app.routing or {}).get("form") or []
    held_by_other = bool(this["assignee"]) and this["assignee"] != p.username
    return render_template(
        "queue/task.html", nav="queue", case=case, task=this, fields=fields,
        remaining=remaining, case_remaining=None, department_view=True, names=names(),
        approvers=approvers, planned=planned_stages(app), case_notices=case_notices(app.id),
        staff=people(t["assignee"] for t in case["tasks"]),
        may_decide=not held_by_other or p.has_role("chief"), held_by_other=held_by_other,
        changes=last_round_changes(case, fields),
        errors=errors or {}, posted=posted or {}), status or (422 if errors else 200)


@bp.route("/tasks/<uuid:task_id>")
@page("tasks.decide")
def task(task_id: uuid.UUID) -> Any:
    return _task_page(_task_in_reach(task_id))


@bp.route("/tasks/<uuid:task_id>/decision", methods=["POST"])
@page("tasks.decide")
def decide(task_id: uuid.UUID) -> Any:
    task = _task_in_reach(task_id)
    posted = request.form.to_dict()
    raw = {"decision": posted.get("decision", ""), "comment": forms.text(request.form, "comment"),
           "version": forms.integer_or_text(posted.get("version", ""))}
    try:
        body = forms.load(DecisionSchema(), raw)
        _, app = services.decide_task(db.session(), principal(), task_id, body["decision"],
                                      body.get("comment"), body["version"])
    except ValidationFailed as exc:
        return _task_page(task, forms.place(exc.errors, DECISION_INPUTS), posted)
    except (Conflict, StateConflict, PermissionDenied) as exc:
        # The page again, as it is now, with the comment as typed and why it did not go.
        db.session().rollback()
        return _task_page(task, {"_schema": [exc.detail]}, {"comment": posted.get("comment", "")},
                          status=403 if isinstance(exc, PermissionDenied) else 409)
    flash(f"已对办件 {app.number} 作出决定")
    return redirect(url_for("web.queue"))


@bp.route("/tasks/<uuid:task_id>/assign", methods=["POST"])
@page("tasks.assign")
def assign(task_id: uuid.UUID) -> Any:
    task = _task_in_reach(task_id, "task.assign")
    try:
        raw: dict[str, Any] = {"assignee": forms.text(request.form, "assignee") or ""}
        if request.form.get("version"):
            raw["version"] = forms.integer_or_text(request.form["version"])
        body = forms.load(AssignmentSchema(), raw)
        done = assignment.assign_task(db.session(), principal(), task_id, body["assignee"],
                                      body.get("version"))
    except ValidationFailed as exc:
        db.session().rollback()
        return _task_page(task, forms.place(exc.errors, ["assignee"]))
    except (Conflict, StateConflict) as exc:
        db.session().rollback()
        return _task_page(task, {"_schema": [exc.detail]}, status=409)
    who = people([done.assignee]).get(done.assignee or "", {})
    flash(f"已指派给 {who.get('name', done.assignee)}（{who.get('center', '')}）")
    return redirect(url_for("web.task", task_id=task_id))


@bp.route("/tasks/<uuid:task_id>/claim", methods=["POST"])
@page("tasks.claim")
def claim(task_id: uuid.UUID) -> Any:
    """领取: the task becomes the caller's; back to where the button was."""
    return _hold(task_id, assignment.claim_task, "已领取办件 {number}，已列入“我的待办”")


@bp.route("/tasks/<uuid:task_id>/release", methods=["POST"])
@page("tasks.claim")
def release(task_id: uuid.UUID) -> Any:
    """退回待领: the task goes back to the department's pool."""
    return _hold(task_id, assignment.release_task, "已将办件 {number} 退回部门待领")


def _hold(task_id: uuid.UUID, change: Any, done: str) -> Any:
    _task_in_reach(task_id, "task.claim")
    back = safe_next(request.form.get("back")) or url_for("web.task", task_id=task_id)
    try:
        body = forms.load(VersionSchema(), {"version": forms.integer_or_text(
            request.form.get("version", ""))})
        task = change(db.session(), principal(), task_id, body["version"])
    except (ValidationFailed, Conflict, StateConflict) as exc:
        # What changed meanwhile is told on the page the button was on; a refusal is the
        # refusal page (403), like every other page's, not a redirect that reads as success.
        db.session().rollback()
        flash(exc.detail if not isinstance(exc, ValidationFailed) else "页面已过期，请刷新后重试",
              "error")
        return redirect(back)
    flash(done.format(number=task.application.number))
    return redirect(back)
