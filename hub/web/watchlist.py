"""The warnings list (预警) for officials: every open case and pending step showing a card
now, counted exactly (its total is the dashboard tiles'), filtered by center, department,
colour and days overdue, paged both ways, exported; the work nobody can act on (无人可办);
and the cards raised lately."""
from __future__ import annotations

from typing import Any

from flask import render_template, request
from sqlalchemy import select

from hub import clock, db
from hub.approvals import cards, queries, staffing
from hub.approvals.calendar_services import load_calendar
from hub.approvals.models import Application, ApprovalTask, DeadlineWarning
from hub.directory import deciders
from hub.errors import ValidationFailed
from hub.pagination import paginate
from hub.supervision import exports, watchlist
from hub.supervision.watchlist import Filters
from hub.web.blueprint import bp, page, principal
from hub.web.dashboard import download
from hub.web.present import names, remaining_working_days

VIEWS = {"cases": "办件", "steps": "审批环节", "nobody": "无人可办"}
PAGE = 50
EXPORT_LIMIT = 20_000  # a whole district's cards fit many times over

CASE_COLUMNS: list[exports.Column] = [
    ("number", "办件编号"), ("center_name", "受理中心"), ("item_name", "办事事项"),
    ("card", "预警"), ("due", "办结期限"), ("late", "超期工作日"),
    ("pending_departments", "在办部门"), ("submitted", "受理时间")]
STEP_COLUMNS: list[exports.Column] = [
    ("number", "办件编号"), ("center_name", "受理中心"), ("department_name", "部门"),
    ("stage", "阶段"), ("card", "预警"), ("due", "环节期限"), ("late", "超期工作日"),
    ("assignee", "指派")]
CARD_LABELS = {cards.RED: "红牌", cards.YELLOW: "黄牌"}


def _filters() -> tuple[Filters, dict[str, list[str]]]:
    """The filters from the query string; what does not parse is said beside its input."""
    args, errors = request.args, {}
    known = names()
    center = args.get("center") or None
    department = args.get("department") or None
    level = args.get("level") or None
    days: int | None = None
    if center and center not in known["centers"]:
        errors["center"], center = ["未知的中心"], None
    if department and department not in known["departments"]:
        errors["department"], department = ["未知的部门"], None
    if level and level not in cards.LEVELS:
        errors["level"], level = ["请选择红牌或黄牌"], None
    if args.get("days"):
        try:
            days = int(args["days"])
            if not 1 <= days <= 365:
                raise ValueError
        except ValueError:
            errors["days"] = ["请输入 1–365 的整数"]
            days = None
    return Filters(center, department, level, days), errors


def _late(cal: Any, now: Any, due_at: Any) -> int:
    left = remaining_working_days(cal, now, due_at)
    return -left if left < 0 else 0


def _case_rows(items: list[Application], now: Any, cal: Any) -> list[dict[str, Any]]:
    known = names()
    rows = []
    for app in items:
        shown = cards.card(now, app.due_at, app.yellow_at, running=app.status == "in_review")
        pending = sorted({t.department_code for t in app.tasks if t.status == "pending"})
        rows.append({
            "id": app.id, "number": app.number, "center": app.center_code,
            "center_name": known["centers"].get(app.center_code, app.center_code),
            "item_name": known["items"].get(app.service_item_code, app.service_item_code),
            "warning": shown, "card": CARD_LABELS.get(shown or "", ""), "due_at": app.due_at,
            "due": clock.local(app.due_at).strftime("%Y-%m-%d") if app.due_at else "",
            "late": _late(cal, now, app.due_at) if app.due_at else 0,
            "pending": pending,
            "pending_departments": "、".join(known["departments"].get(d, d) for d in pending),
            "submitted": clock.local(app.submitted_at).strftime("%Y-%m-%d %H:%M"),
            "source": app.source})
    return rows


def _step_rows(items: list[ApprovalTask], now: Any, cal: Any) -> list[dict[str, Any]]:
    known = names()
    rows = []
    for task in items:
        row = queries.present_task(task, now)
        rows.append({**row, "number": task.application.number,
                     "center_name": known["centers"].get(row["center"], row["center"]),
                     "department_name": known["departments"].get(task.department_code,
                                                                 task.department_code),
                     "card": CARD_LABELS.get(row["warning"] or "", ""),
                     "due": clock.local(task.due_at).strftime("%Y-%m-%d"),
                     "late": _late(cal, now, task.due_at), "assignee": task.assignee or ""})
    return rows


def _listing(view: str, filters: Filters) -> tuple[Any, list[Any], dict[str, int]]:
    """(statement, order, counts) of a view."""
    session, now, p = db.session(), clock.now(), principal()
    cal = load_calendar(session)
    if view == "steps":
        return (watchlist.steps(p, now, cal, filters), [ApprovalTask.due_at, ApprovalTask.id],
                watchlist.count_steps(session, now, cal, filters))
    return (watchlist.cases(p, now, cal, filters), [Application.due_at, Application.id],
            watchlist.count_cases(session, now, cal, filters))


@bp.route("/warnings")
@page("warnings.read")
def warnings() -> Any:
    """Cards now, by case or by step, and the work nobody can act on."""
    view = request.args.get("view") if request.args.get("view") in VIEWS else "cases"
    filters, errors = _filters()
    session, now = db.session(), clock.now()
    cal = load_calendar(session)
    context: dict[str, Any] = {"nav": "warnings", "view": view, "views": VIEWS,
                               "filters": filters, "errors": errors, "names": names()}
    if view == "nobody":
        staffed = deciders.staffed_departments(session)
        result = paginate(session, staffing.unattended_query(
            session, department=filters.department, center=filters.center),
            [ApprovalTask.due_at, ApprovalTask.id], limit=PAGE,
            cursor=request.args.get("cursor") or None)
        rows = [{**r, "reason": staffing.REASON_LABELS[staffing.reason(t, staffed)]}
                for t, r in zip(result["items"], _step_rows(result["items"], now, cal),
                                strict=True)]
        counts = staffing.unattended_counts(session)
        return render_template("dashboard/warnings.html", rows=rows, result=result,
                               nobody=sorted(counts.items()), unstaffed=sorted(
                                   d for d in counts if d not in staffed), **context)
    stmt, order, counts = _listing(view, filters)
    result = paginate(session, stmt, order, limit=PAGE, cursor=request.args.get("cursor") or None)
    rows = (_step_rows if view == "steps" else _case_rows)(result["items"], now, cal)
    raised = session.execute(
        select(DeadlineWarning, Application.number)
        .join(Application, Application.id == DeadlineWarning.application_id)
        .order_by(DeadlineWarning.raised_at.desc(), DeadlineWarning.id.desc()).limit(20)).all()
    return render_template("dashboard/warnings.html", rows=rows, result=result, counts=counts,
                           raised=raised, **context)


@bp.route("/warnings/export.<any(csv, xlsx):fmt>")
@page("warnings.read")
def warnings_export(fmt: str) -> Any:
    """The list as filtered, every page of it, through the one spreadsheet writer."""
    view = "steps" if request.args.get("view") == "steps" else "cases"
    filters, errors = _filters()
    if errors:
        raise ValidationFailed(errors)
    session, now = db.session(), clock.now()
    cal = load_calendar(session)
    stmt, order, _counts = _listing(view, filters)
    items = session.scalars(stmt.order_by(*order).limit(EXPORT_LIMIT)).unique().all()
    if view == "steps":
        sheet = ("预警审批环节", STEP_COLUMNS, _step_rows(list(items), now, cal))
    else:
        sheet = ("预警办件", CASE_COLUMNS, _case_rows(list(items), now, cal))
    stamp = clock.local(now).strftime("%Y%m%d-%H%M")
    return download(fmt, [sheet], f"{sheet[0]}_{stamp}", ascii_stem=f"warnings-{view}")
