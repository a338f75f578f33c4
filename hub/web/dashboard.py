"""Officials' pages (电子监察): the sixteen centers as tiles, the streets ranked, trends,
drill-down from a center to its departments to a case, warnings, sync status, exports.
The figures come from ``hub.supervision.services`` (the same as the API's)."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from flask import Response, render_template, request
from sqlalchemy import func, select

from hub import clock, db
from hub.approvals import queries
from hub.approvals.models import Application, ApprovalTask, DeadlineWarning
from hub.errors import NotFound, ValidationFailed
from hub.pagination import paginate
from hub.supervision import exports, services
from hub.supervision.models import CenterDay
from hub.supervision.schemas import PeriodArgs
from hub.sync import services as sync
from hub.sync.models import SyncRun
from hub.web import forms
from hub.web.blueprint import bp, page, principal
from hub.web.charts import line_chart
from hub.web.present import light, names

TREND_DAYS = 30


def _period() -> tuple[dt.date | None, dt.date | None, dict[str, Any], forms.Errors]:
    """``?from=&to=`` through the API's own schema; a bad period is shown, not raised."""
    raw = {k: request.args[k] for k in ("from", "to") if request.args.get(k)}
    try:
        args = forms.load(PeriodArgs(), raw)
    except ValidationFailed as exc:  # shown beside the period inputs; all time meanwhile
        return None, None, raw, forms.place(exc.errors, ("from", "to"))
    return args["start"], args["end"], raw, {}


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
    card = services.warning_case(now, ApprovalTask.due_at, ApprovalTask.yellow_at,
                                 Application.status == "supplement_requested")
    stmt = (select(Application.center_code, ApprovalTask.department_code, card, func.count())
            .join(Application, Application.id == ApprovalTask.application_id)
            .where(ApprovalTask.status == "pending", Application.deleted_at.is_(None))
            .group_by(Application.center_code, ApprovalTask.department_code, card))
    if center:
        stmt = stmt.where(Application.center_code == center)
    steps: dict[tuple[str, str], dict[str, int]] = {}
    for code, department, warning, n in db.session().execute(stmt):
        counts = steps.setdefault((code, department), {"pending": 0, "yellow": 0, "red": 0})
        counts["pending"] += n
        if warning in ("yellow", "red"):
            counts[warning] += n
    return steps


@bp.route("/dashboard")
@page("supervision.read")
def dashboard() -> Any:
    now = clock.now()
    start, end, raw, errors = _period()
    session = db.session()
    rows = services.center_figures(session, now, start, end)
    late_steps: dict[str, int] = {}
    for (code, _department), counts in _open_steps(now).items():
        late_steps[code] = late_steps.get(code, 0) + counts["red"]
    for row in rows:
        row["late_steps"] = late_steps.get(row["center"], 0)
        row["light"] = light(row)
    ranking = services.street_ranking(session, now, start, end)
    chart, totals = _trend(None, end or clock.local(now).date())
    return render_template("dashboard/overview.html", nav="dashboard", rows=rows,
                           ranking=ranking, chart=chart, totals=totals, period=raw,
                           start=start, end=end, errors=errors, now=now)


@bp.route("/dashboard/centers/<string:code>")
@page("supervision.read")
def dashboard_center(code: str) -> Any:
    """A center: its figures, its trend, its departments' open tasks, its open cases."""
    now = clock.now()
    start, end, raw, errors = _period()
    session = db.session()
    row = next((r for r in services.center_figures(session, now, start, end)
                if r["center"] == code), None)
    if row is None:
        raise NotFound(f"中心 {code} 不存在")
    departments = {department: counts for (_center, department), counts
                   in _open_steps(now, code).items()}
    row["late_steps"] = sum(c["red"] for c in departments.values())
    row["light"] = light(row)
    chart, totals = _trend(code, end or clock.local(now).date())
    cases = paginate(session, queries.applications_query(principal(), now, center=code),
                     [Application.submitted_at, Application.id], limit=50,
                     cursor=request.args.get("cursor") or None, descending=True)
    center_cases = [queries.present_application(a, principal(), now) for a in cases["items"]]
    return render_template("dashboard/center.html", nav="dashboard", row=row, chart=chart,
                           totals=totals, departments=departments, cases=center_cases,
                           next_cursor=cases["next_cursor"], period=raw, errors=errors,
                           names=names(), code=code)


@bp.route("/dashboard/centers/<string:code>/departments/<string:department>")
@page("supervision.read")
def dashboard_department(code: str, department: str) -> Any:
    """A department's pending tasks on one center's cases, most urgent first."""
    now = clock.now()
    if code not in names()["centers"] or department not in names()["departments"]:
        raise NotFound("中心或部门不存在")
    stmt = queries.tasks_query(principal(), now, department=department).where(
        Application.center_code == code)
    result = paginate(db.session(), stmt, [ApprovalTask.due_at, ApprovalTask.id], limit=100,
                      cursor=request.args.get("cursor") or None)
    rows = [queries.present_task(t, now) for t in result["items"]]
    return render_template("dashboard/department.html", nav="dashboard", rows=rows, code=code,
                           department=department, names=names(),
                           next_cursor=result["next_cursor"])


@bp.route("/warnings")
@page("supervision.read")
def warnings() -> Any:
    """Cases showing a red or yellow card now, and the cards raised lately."""
    now = clock.now()
    session = db.session()
    p = principal()
    current, steps = {}, {}
    for level in ("red", "yellow"):
        found = paginate(session, queries.applications_query(p, now, warning=level),
                         [Application.due_at, Application.id], limit=200, cursor=None)
        current[level] = [queries.present_application(a, p, now) for a in found["items"]]
        # A step has its own limit: a late step shows even while its case is on time.
        found = paginate(session, queries.tasks_query(p, now, warning=level),
                         [ApprovalTask.due_at, ApprovalTask.id], limit=200, cursor=None)
        steps[level] = [queries.present_task(t, now) for t in found["items"]]
    raised = session.execute(
        select(DeadlineWarning, Application.number)
        .join(Application, Application.id == DeadlineWarning.application_id)
        .order_by(DeadlineWarning.raised_at.desc(), DeadlineWarning.id.desc()).limit(100)).all()
    return render_template("dashboard/warnings.html", nav="warnings", current=current, steps=steps,
                           raised=raised, names=names())


@bp.route("/sync")
@page("sync.read")
def sync_status() -> Any:
    """Each center's last sync per stream, and its last success."""
    session = db.session()
    syncing, local_only = sync.centers_with_adapters(session)
    configured = {c.code for c in syncing}
    centers = []
    for center in sorted([*syncing, *local_only], key=lambda c: (c.position, c.code)):
        runs = session.scalars(sync.runs_query(center.code).order_by(SyncRun.id.desc())
                               .limit(20)).all()
        latest: dict[str, SyncRun] = {}
        for run in runs:
            latest.setdefault(run.stream, run)
        succeeded = {stream: session.scalars(
            sync.runs_query(center.code, stream, "succeeded")
            .order_by(SyncRun.id.desc()).limit(1)).first() for stream in latest}
        centers.append({"center": center, "latest": latest, "succeeded": succeeded,
                        "configured": center.code in configured})
    return render_template("dashboard/sync.html", nav="sync", centers=centers)


_EXPORTS = {
    "centers": ("各中心办件效能", exports.CENTER_COLUMNS, services.center_figures),
    "departments": ("各部门办件效能", exports.DEPARTMENT_COLUMNS, services.department_figures),
    "ranking": ("街道按时办结率排名", exports.RANKING_COLUMNS, services.street_ranking),
}


@bp.route("/dashboard/export/<any(centers, departments, ranking):kind>.<any(csv, xlsx):fmt>")
@page("supervision.read")
def dashboard_export(kind: str, fmt: str) -> Any:
    """The export buttons: the same figures and spreadsheet writers as the API's."""
    start, end, _raw, errors = _period()
    if errors:
        raise ValidationFailed(errors)
    title, columns, figures = _EXPORTS[kind]
    rows = figures(db.session(), clock.now(), start, end)
    stem = f"{title}_{start or '始'}_{end or '今'}"
    if fmt == "csv":
        content, mimetype = exports.to_csv(columns, rows), exports.CSV_MIMETYPE
    else:
        content, mimetype = exports.to_xlsx([(title, columns, rows)]), exports.XLSX_MIMETYPE
    response = Response(content, mimetype=mimetype)
    filename = f"{stem}.{fmt}"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{kind}.{fmt}\"; filename*=UTF-8''{quote(filename)}")
    return response
