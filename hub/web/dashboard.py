"""Officials' pages (电子监察): the sixteen centers as tiles, the streets ranked by
timeliness with the composite score beside them, period presets, trends, drill-down from
a center to its departments to a case, what needs attention (work nobody can act on,
data that missed a night, overdue supervision notices), exports. The figures come from
``hub.supervision.services`` (the same as the API's)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, render_template, request, url_for
from sqlalchemy import func, select

from hub import clock, db
from hub.approvals import queries, staffing
from hub.approvals.models import Application, ApprovalTask
from hub.directory import deciders
from hub.errors import NotFound, ValidationFailed
from hub.pagination import paginate
from hub.supervision import callcenter_figures, exports, notices, services
from hub.supervision.indicators import COMPOSITE_FORMULA
from hub.supervision.models import CenterDay
from hub.supervision.schemas import PeriodArgs
from hub.sync import services as sync
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.charts import line_chart
from hub.web.present import light, names, period_presets

TREND_DAYS = 30


def period_args() -> tuple[dt.date | None, dt.date | None, dict[str, Any], forms.Errors]:
    """``?from=&to=`` through the API's own schema; a bad period is shown, not raised."""
    raw = {k: request.args[k] for k in ("from", "to") if request.args.get(k)}
    try:
        args = forms.load(PeriodArgs(), raw)
    except ValidationFailed as exc:  # shown beside the period inputs; all time meanwhile
        return None, None, raw, forms.place(exc.errors, ("from", "to"))
    return args["start"], args["end"], raw, {}


@bp.app_template_global("period_links")
def period_links(period: dict[str, Any]) -> list[dict[str, Any]]:
    """This month, quarter, year and all time as links to this page, the one in force
    marked: the period form (``dashboard/_period.html``) asks for them itself, so every
    page that shows the form shows them."""
    now = clock.now()
    here = dict(request.view_args or {})
    found = [{"label": label, "url": url_for(request.endpoint or "web.dashboard", **here,
                                             **{"from": start.isoformat(),
                                                "to": end.isoformat()}),
              "current": period == {"from": start.isoformat(), "to": end.isoformat()}}
             for _key, label, start, end in period_presets(clock.local(now).date())]
    found.append({"label": "全部时间", "current": not period,
                  "url": url_for(request.endpoint or "web.dashboard", **here)})
    return found


def _trend(center: str | None, end: dt.date) -> Any:
    """Received and concluded per Asia/Shanghai day over the last ``TREND_DAYS`` days,
    read from the supervision rollups (one row per center and day)."""
    start = end - dt.timedelta(days=TREND_DAYS - 1)
    c = CenterDay
    concluded = (c.approved_on_time + c.approved_late + c.rejected_on_time + c.rejected_late
                 + c.withdrawn_on_time + c.withdrawn_late)
    stmt = (select(c.day, func.sum(c.submitted), func.sum(concluded))
            .where(c.day >= start, c.day <= end).group_by(c.day))
    if center:
        stmt = stmt.where(c.center_code == center)
    counts = {day: (int(r or 0), int(k or 0)) for day, r, k in db.session().execute(stmt)}
    days = [start + dt.timedelta(days=n) for n in range(TREND_DAYS)]
    chart = line_chart(days, {
        "received": ("受理", [counts.get(d, (0, 0))[0] for d in days]),
        "concluded": ("办结", [counts.get(d, (0, 0))[1] for d in days]),
    })
    totals = (sum(v[0] for v in counts.values()), sum(v[1] for v in counts.values()))
    return chart, totals


def _open_steps(now: dt.datetime, center: str | None = None
                ) -> dict[tuple[str, str], dict[str, int]]:
    """{(center, department): {pending, yellow, red}}: the pending approval steps of each
    center's cases, with their cards now (a step has its own time limit, so a late step
    shows even while the whole case is still on time)."""
    card = queries.card_column(now, ApprovalTask.due_at, ApprovalTask.yellow_at,
                               Application.status == "supplement_requested")
    stmt = (select(Application.center_code, ApprovalTask.department_code, card, func.count())
            .join(Application, Application.id == ApprovalTask.application_id)
            .where(ApprovalTask.status == "pending", Application.deleted_at.is_(None))
            .group_by(Application.center_code, ApprovalTask.department_code, card))
    if center:
        stmt = stmt.where(Application.center_code == center)
    steps: dict[tuple[str, str], dict[str, int]] = {}
    for code, department, shown, n in db.session().execute(stmt):
        counts = steps.setdefault((code, department), {"pending": 0, "yellow": 0, "red": 0})
        counts["pending"] += n
        if shown is not None:
            counts[shown] += n
    return steps


@bp.route("/dashboard")
@page("supervision.read")
def dashboard() -> Any:
    now = clock.now()
    start, end, raw, errors = period_args()
    session = db.session()
    rows = services.center_figures(session, now, start, end)
    late_steps: dict[str, int] = {}
    for (code, _department), counts in _open_steps(now).items():
        late_steps[code] = late_steps.get(code, 0) + counts["red"]
    for row in rows:
        row["late_steps"] = late_steps.get(row["center"], 0)
        row["light"] = light(row)
    satisfaction = callcenter_figures.satisfaction_rates(session, now, start, end)
    ranking = services.street_ranking(session, now, start, end, satisfaction=satisfaction)
    satisfaction_ranking = callcenter_figures.satisfaction_ranking(session, now, start, end)
    chart, totals = _trend(None, end or clock.local(now).date())
    return render_template("dashboard/overview.html", nav="dashboard", rows=rows,
                           ranking=ranking, satisfaction=satisfaction_ranking, chart=chart,
                           totals=totals, period=raw,
                           start=start, end=end, errors=errors, now=now,
                           formula=COMPOSITE_FORMULA,
                           satisfaction_known=any(
                               rate is not None for rate in satisfaction.values()),
                           attention=_attention(session, now), names=names())


def _attention(session: Any, now: dt.datetime) -> dict[str, Any]:
    """What needs someone today, beside the figures: work nobody can act on, centers
    whose data missed a night, supervision notices past their answer deadline."""
    nobody = staffing.unattended_counts(session)
    staffed = deciders.staffed_departments(session)
    stale: dict[str, int] = {}  # {center name: the most nights any of its streams missed}
    for row in sync.data_freshness(session, now):
        if row["nights_missed"]:
            name = row["name"].removesuffix("政务服务中心")
            stale[name] = max(stale.get(name, 0), row["nights_missed"])
    overdue_notices = session.scalar(select(func.count()).select_from(
        notices.notices_query(principal(), now, overdue=True).subquery())) or 0
    return {"unattended": sorted(nobody.items()), "unattended_total": sum(nobody.values()),
            "unstaffed": sorted(d for d in nobody if d not in staffed),
            "stale": sorted(stale.items(), key=lambda kv: -kv[1]),
            "overdue_notices": overdue_notices}


@bp.route("/dashboard/centers/<string:code>")
@page("supervision.read")
def dashboard_center(code: str) -> Any:
    """A center: its figures, its trend, its departments' open tasks, its open cases."""
    now = clock.now()
    start, end, raw, errors = period_args()
    session = db.session()
    row = next((r for r in services.center_figures(session, now, start, end)
                if r["center"] == code), None)
    if row is None:
        raise NotFound(f"中心 {code} 不存在")
    departments = {department: counts for (_center, department), counts
                   in _open_steps(now, code).items()}
    row["late_steps"] = sum(c["red"] for c in departments.values())
    row["light"] = light(row)
    # Beside each department's open tasks here: its timeliness and overdue tasks over the
    # period, the API's per-department figures (kept per department, all centers together).
    department_rows = {r["department"]: r
                       for r in services.department_figures(session, now, start, end)}
    chart, totals = _trend(code, end or clock.local(now).date())
    cases = paginate(session, queries.applications_query(principal(), now, center=code),
                     [Application.submitted_at, Application.id], limit=50,
                     cursor=request.args.get("cursor") or None, descending=True)
    center_cases = [queries.present_application(a, principal(), now) for a in cases["items"]]
    return render_template("dashboard/center.html", nav="dashboard", row=row, chart=chart,
                           totals=totals, departments=departments, cases=center_cases,
                           department_rows=department_rows,
                           next_cursor=cases["next_cursor"], period=raw, errors=errors,
                           names=names(), code=code)


@bp.route("/dashboard/centers/<string:code>/departments/<string:department>")
@page("supervision.read")
def dashboard_department(code: str, department: str) -> Any:
    """A department's figures over the period (the API's: its tasks at every center) and
    its pending tasks on one center's cases, most urgent first."""
    now = clock.now()
    if code not in names()["centers"] or department not in names()["departments"]:
        raise NotFound("中心或部门不存在")
    start, end, raw, errors = period_args()
    row = next(r for r in services.department_figures(db.session(), now, start, end)
               if r["department"] == department)
    stmt = queries.tasks_query(principal(), now, department=department).where(
        Application.center_code == code)
    result = paginate(db.session(), stmt, [ApprovalTask.due_at, ApprovalTask.id], limit=100,
                      cursor=request.args.get("cursor") or None)
    rows = [queries.present_task(t, now) for t in result["items"]]
    return render_template("dashboard/department.html", nav="dashboard", rows=rows, code=code,
                           department=department, names=names(), row=row, period=raw,
                           errors=errors, next_cursor=result["next_cursor"])


_EXPORTS = {
    "centers": ("各中心办件效能", exports.CENTER_COLUMNS, services.center_figures),
    "departments": ("各部门办件效能", exports.DEPARTMENT_COLUMNS, services.department_figures),
    "ranking": ("街道办结及时率排名", exports.RANKING_COLUMNS, services.street_ranking),
    "tickets": ("呼叫中心三率", exports.TICKET_COLUMNS, callcenter_figures.ticket_figures),
    "ratings": ("好差评（各中心）", exports.RATING_COLUMNS, callcenter_figures.rating_figures),
    "rating-departments": ("好差评（各部门）", exports.DEPARTMENT_RATING_COLUMNS,
                           callcenter_figures.department_rating_figures),
}


@bp.route("/dashboard/export/<any(centers, departments, ranking, tickets, ratings, "
          "'rating-departments'):kind>.<any(csv, xlsx):fmt>")
@page("supervision.read")
def dashboard_export(kind: str, fmt: str) -> Any:
    """The export buttons: the same figures and spreadsheet writers as the API's."""
    start, end, _raw, errors = period_args()
    if errors:
        raise ValidationFailed(errors)
    title, columns, figures = _EXPORTS[kind]
    session = db.session()
    if kind == "ranking":
        rows = services.street_ranking(session, clock.now(), start, end,
                                       satisfaction=callcenter_figures.satisfaction_rates(
                                           session, clock.now(), start, end))
    else:
        rows = figures(session, clock.now(), start, end)
    return download(fmt, [(title, columns, rows)], f"{title}_{start or '始'}_{end or '今'}",
                    ascii_stem=kind)


def download(fmt: str, sheets: Any, stem: str, ascii_stem: str) -> Response:
    """A spreadsheet of the pages (``exports`` writes it, as for the API): CSV of the
    first sheet or XLSX of all, named in Chinese with an ASCII fallback."""
    content, mimetype = exports.render(fmt, sheets)
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = exports.content_disposition(
        f"{stem}.{fmt}", fallback=f"{ascii_stem}.{fmt}")
    return response
