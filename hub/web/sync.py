"""The sync page (数据同步): each center's last run per stream, how old its data is and the
nights it missed; for the administrator, start a sync, retry a failed run, and review
the quarantined records (close one with a note, or read its stream again). Writes go
through ``hub.sync.services`` (audited there) and the same task hand-off as the API."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from hub import clock, db
from hub.domain_errors import StateConflict
from hub.errors import Conflict, ValidationFailed
from hub.pagination import paginate
from hub.permissions import allowed
from hub.sync import freshness, services, tasks
from hub.sync.models import QuarantinedRecord, SyncRun
from hub.sync.source import STREAMS
from hub.sync.schemas import ResolveSchema
from hub.web import forms
from hub.web.blueprint import bp, page, principal, safe_next
from hub.web.present import names

STREAM_LABELS = {"staff": "工作人员", "applications": "办件"}


@bp.route("/sync")
@page("sync.read")
def sync_status() -> Any:
    """Each center's last sync per stream, its last success, the data's age and the
    nights missed since; the administrator's actions beside them."""
    session, now = db.session(), clock.now()
    syncing, local_only = services.centers_with_adapters(session)
    configured = {c.code for c in syncing}
    fresh = {(r["center"], r["stream"]): r for r in services.data_freshness(session, now)}
    open_quarantine = dict(session.execute(
        select(QuarantinedRecord.center_code, func.count())
        .where(QuarantinedRecord.resolved_at.is_(None))
        .group_by(QuarantinedRecord.center_code)).all())
    centers = []
    for center in sorted([*syncing, *local_only], key=lambda c: (c.position, c.code)):
        runs = session.scalars(services.runs_query(center.code).order_by(SyncRun.id.desc())
                               .limit(20)).all()
        latest: dict[str, SyncRun] = {}
        for run in runs:
            latest.setdefault(run.stream, run)
        streams = []
        for stream in STREAMS if center.code in configured else []:
            row = fresh.get((center.code, stream), {})
            streams.append({"stream": stream, "run": latest.get(stream),
                            "last_success": row.get("last_success"),
                            "age": freshness.age_text(row.get("age_seconds")),
                            "nights_missed": row.get("nights_missed", 0)})
        centers.append({"center": center, "streams": streams,
                        "configured": center.code in configured,
                        "quarantined": open_quarantine.get(center.code, 0)})
    # One line per center: the stream that missed the most nights, and why it last failed.
    missed = []
    for c in centers:
        late = [s for s in c["streams"] if s["nights_missed"]]
        if late:
            worst = max(late, key=lambda s: s["nights_missed"])
            failed = next((s["run"] for s in late if s["run"] and s["run"].status == "failed"),
                          None)
            missed.append({"center": c["center"], "nights": worst["nights_missed"],
                           "age": worst["age"], "streams": [s["stream"] for s in late],
                           "failed": failed})
    return render_template("dashboard/sync.html", nav="sync", centers=centers, missed=missed,
                           stream_labels=STREAM_LABELS, schedule=services.schedule(),
                           grace_hours=int(freshness.GRACE.total_seconds() // 3600),
                           can_run=allowed(principal(), "sync.run"))


def _started(runs: list[SyncRun], what: str) -> None:
    for run in runs:
        tasks.dispatch_run(run)
    flash(f"{what}：已启动 {len(runs)} 个数据流的同步，结果见下表")


@bp.route("/sync/<string:center>/run", methods=["POST"])
@page("sync.run")
def sync_run(center: str) -> Any:
    """Sync a center now (all its streams, from their cursors)."""
    try:
        runs = services.request_runs(db.session(), principal(), center)
    except (Conflict, StateConflict, ValidationFailed) as exc:
        flash(exc.detail, "error")
    else:
        _started(runs, names()["centers"].get(center, center))
    return redirect(url_for("web.sync_status"))


@bp.route("/sync/runs/<id:run_id>/retry", methods=["POST"])
@page("sync.run")
def sync_retry(run_id: int) -> Any:
    """Run a failed run's stream again, from the cursor it committed."""
    try:
        run = services.retry_run(db.session(), principal(), run_id)
    except (Conflict, StateConflict) as exc:
        flash(exc.detail, "error")
    else:
        tasks.dispatch_run(run)  # before any read: SQLite runs it in-process, writing
        center = names()["centers"].get(run.center_code, run.center_code)
        flash(f"已重试{center}的{STREAM_LABELS.get(run.stream, run.stream)}数据同步，结果见下表")
    return redirect(url_for("web.sync_status"))


@bp.route("/sync/quarantine")
@page("sync.read")
def sync_quarantine() -> Any:
    """Records a center sent that failed validation, with their reasons (personal data
    masked); open ones first to review."""
    args = request.args
    center = args.get("center") or None
    stream = args.get("stream") if args.get("stream") in STREAMS else None
    resolved = {"open": False, "resolved": True}.get(args.get("state", "open"))
    stmt = services.quarantine_query(center, stream, resolved=resolved)
    result = paginate(db.session(), stmt, [QuarantinedRecord.id], limit=50,
                      cursor=args.get("cursor") or None, descending=True)
    return render_template("dashboard/quarantine.html", nav="sync", result=result,
                           center=center, stream=stream, state=args.get("state", "open"),
                           stream_labels=STREAM_LABELS, names=names(),
                           can_review=allowed(principal(), "sync.review"),
                           can_run=allowed(principal(), "sync.run"))


@bp.route("/sync/quarantine/<id:record_id>/resolve", methods=["POST"])
@page("sync.review")
def sync_quarantine_resolve(record_id: int) -> Any:
    """Close a quarantined record after review, with the note that says why."""
    try:
        body = forms.load(ResolveSchema(), {"note": request.form.get("note", "")})
        services.resolve_quarantined(db.session(), principal(), record_id, body["note"])
    except ValidationFailed as exc:
        said = "；".join(forms.place(exc.errors, ["note"]).get("note", []))
        flash(f"隔离记录 {record_id} 未处理：请填写复核结论（{said}）", "error")
    except (Conflict, StateConflict) as exc:
        flash(exc.detail, "error")
    else:
        flash(f"隔离记录 {record_id} 已标记为已处理")
    return redirect(safe_next(request.form.get("back")) or url_for("web.sync_quarantine"))


@bp.route("/sync/quarantine/<id:record_id>/rerun", methods=["POST"])
@page("sync.run")
def sync_quarantine_rerun(record_id: int) -> Any:
    """Read the record's stream again from the beginning (after the center fixed it, or
    the catalog gained what it named); accepted, it is marked resolved."""
    try:
        runs = services.rerun_quarantined(db.session(), principal(), record_id)
    except (Conflict, StateConflict, ValidationFailed) as exc:
        flash(exc.detail, "error")
    else:
        _started(runs, f"重新读取隔离记录 {record_id} 所在数据流")
    return redirect(safe_next(request.form.get("back")) or url_for("web.sync_quarantine"))
