"""The sync's services: start runs (at most one per center and stream), find the
source of a center, mark dead runs failed, and the queries behind the API."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.catalog.models import ServiceItem
from hub.directory.models import Center
from hub.errors import Conflict, NotFound, ValidationFailed
from hub.permissions import Principal, Scope, require
from hub.sync import freshness
from hub.sync.models import QuarantinedRecord, SyncCursor, SyncRun
from hub.sync.prepare import RunContext
from hub.sync.source import STREAMS, SourceError, SourceSpec, SyncSource

log = logging.getLogger("hub.sync")

SOURCE_FACTORY = "hub.sync.source_factory"
DEAD = "运行中断"  # the error of a run whose worker died (no heartbeat)
MAX_REDRIVES = 3  # consecutive dead runs of a stream before it is left as an incident


def adapter_principal(center: str) -> Principal:
    """The center's adapter service account: what a sync of that center acts as."""
    return Principal(username=f"adapter:{center}", roles=frozenset({"adapter"}), center=center,
                     display_name=f"{center} 数据同步")


def get_center(session: Session, code: str) -> Center:
    center = session.get(Center, code)
    if center is None:
        raise NotFound(f"中心 {code} 不存在")
    return center


def source_spec(center: Center) -> SourceSpec:
    """How to open a center's source (in this process or the preparation process),
    from its adapter stanza and the factory the composition root registered; checked
    by opening it once."""
    if not center.adapter:
        raise Conflict(f"中心 {center.code} 未配置适配器，无法同步")
    spec = SourceSpec(current_app.extensions[SOURCE_FACTORY], center.code, dict(center.adapter))
    open_source(spec).close()
    return spec


def open_source(spec: SourceSpec) -> SyncSource:
    try:
        return spec.open()
    except SourceError as exc:  # a stanza that cannot work (a token variable unset, …)
        raise Conflict(f"中心 {spec.center} 的适配器配置有误，无法同步：{exc}") from exc


def run_context(session: Session, center: str, stream: str, *,
                complete: bool = True) -> RunContext:
    """What a run prepares its records against: the catalog's time limits, the working
    calendar and the PII key, as they are when the run starts."""
    from hub.approvals.calendar_services import load_calendar

    items = {code: (days, yellow) for code, days, yellow in session.execute(
        select(ServiceItem.code, ServiceItem.promised_days, ServiceItem.yellow_days))}
    return RunContext(stream=stream, center=center,
                      pii_key=current_app.config["HUB_SETTINGS"].pii_key,
                      calendar=load_calendar(session), items=items,
                      keep_rows=session.get_bind().dialect.name != "postgresql",
                      complete=complete)


def streams_of(spec: SourceSpec, requested: str | None = None) -> list[str]:
    source = open_source(spec)
    try:
        offered = [s for s in STREAMS if s in source.streams]
    finally:
        source.close()
    if requested is None:
        return offered
    if requested not in offered:
        raise ValidationFailed({"stream": [f"中心 {spec.center} 的数据源没有数据流 {requested}"]})
    return [requested]


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=current_app.config["HUB_SETTINGS"].sync_stale_seconds)


def _mark_dead(session: Session, runs: Sequence[SyncRun], now: dt.datetime) -> None:
    for run in runs:
        run.status, run.finished_at = "failed", now
        run.error = (f"{DEAD}：超过 {int(_stale_after().total_seconds())} 秒没有心跳"
                     "（工作进程退出或消息未被执行），已提交的批次保留")
        log.error("sync_run_dead run=%s center=%s stream=%s", run.id, run.center_code, run.stream)
        audit.record(session, Principal.system("sync-reconciler"), "sync.run_failed",
                     target_type="sync_run", target_id=run.id, center=run.center_code,
                     after={"stream": run.stream, "error": run.error})


def start_run(session: Session, center: str, stream: str, *, trigger: str, requested_by: str,
              full: bool = False, because: Mapping[str, Any] | None = None) -> SyncRun:
    """Create the running row of a sync of ``center``'s ``stream`` and commit it.

    A run of the same stream already running → ``Conflict`` (the partial unique index
    decides, on every backend); one whose heartbeat is older than the stale limit has
    died and is marked failed first."""
    now = clock.now()
    stale = list(session.scalars(select(SyncRun).where(
        SyncRun.center_code == center, SyncRun.stream == stream, SyncRun.status == "running",
        SyncRun.heartbeat_at < now - _stale_after())))
    _mark_dead(session, stale, now)
    run = SyncRun(center_code=center, stream=stream, status="running", trigger=trigger,
                  requested_by=requested_by, full=full, started_at=now, heartbeat_at=now,
                  fetched=0, inserted=0, updated=0, unchanged=0, rejected=0, batches=0)
    session.add(run)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"中心 {center} 的 {stream} 数据流已有同步在运行") from None
    audit.record(session, Principal.system(requested_by), "sync.run_started",
                 target_type="sync_run", target_id=run.id, center=center,
                 after={"stream": stream, "trigger": trigger, "full": full, **(because or {})})
    session.commit()
    return run


def request_runs(session: Session, actor: Principal, center: str, stream: str | None = None,
                 full: bool = False, *, trigger: str = "manual",
                 because: Mapping[str, Any] | None = None) -> list[SyncRun]:
    """Start a sync of a center now (admin): one running row per stream, committed; the
    caller hands them to the workers. ``because`` goes into each run's audit record."""
    require(actor, "sync.run")
    streams = streams_of(source_spec(get_center(session, center)), stream)
    runs = []
    for name in streams:
        runs.append(start_run(session, center, name, trigger=trigger,
                              requested_by=actor.username, full=full, because=because))
    return runs


def retry_run(session: Session, actor: Principal, run_id: int) -> SyncRun:
    """Run a failed run's stream again (admin), from the cursor it committed: what it wrote
    stays, the rest is read again. Only the latest run of its stream is retried (a later
    one has already run since)."""
    require(actor, "sync.run")
    run = session.get(SyncRun, run_id)
    if run is None:
        raise NotFound(f"同步运行 {run_id} 不存在")
    if run.status != "failed":
        raise Conflict("只能重试失败的同步")
    latest = session.scalar(select(func.max(SyncRun.id)).where(
        SyncRun.center_code == run.center_code, SyncRun.stream == run.stream))
    if latest != run.id:
        raise Conflict("该数据流此后已再次同步，无需重试这一次")
    [again] = request_runs(session, actor, run.center_code, run.stream, trigger="retry",
                           because={"retry_of": run.id})
    return again


def resolve_quarantined(session: Session, actor: Principal, record_id: int,
                        note: str) -> QuarantinedRecord:
    """An administrator's review of a quarantined record closes it (``dismissed``) with a
    note saying why (fixed at the center, a duplicate, not needed), audited."""
    require(actor, "sync.review")
    record = session.get(QuarantinedRecord, record_id, with_for_update=True)
    if record is None:
        raise NotFound(f"隔离记录 {record_id} 不存在")
    if record.resolved_at is not None:
        raise Conflict("该隔离记录已处理")
    record.resolved_at, record.resolution = clock.now(), "dismissed"
    record.resolved_by, record.resolution_note = actor.username, note
    audit.record(session, actor, "sync.quarantine_resolved", target_type="sync_quarantine",
                 target_id=record.id, center=record.center_code,
                 after={"stream": record.stream, "external_id": record.external_id,
                        "resolution": "dismissed", "note": note, "run_id": record.run_id})
    session.commit()
    return record


def rerun_quarantined(session: Session, actor: Principal, record_id: int) -> list[SyncRun]:
    """Read a quarantined record's stream again from the beginning (admin): once the
    center has fixed the record, or the catalog has the item it named, the re-read accepts
    it and marks it resolved; unchanged records are left as they are."""
    record = session.get(QuarantinedRecord, record_id)
    if record is None:
        raise NotFound(f"隔离记录 {record_id} 不存在")
    if record.resolved_at is not None:
        raise Conflict("该隔离记录已处理")
    return request_runs(session, actor, record.center_code, record.stream, full=True,
                        trigger="rerun", because={"rerun_for_quarantined": record.id})


# -- Freshness ----------------------------------------------------------------------------------


def schedule() -> freshness.Nightly:
    settings = current_app.config["HUB_SETTINGS"]
    return freshness.Nightly(settings.sync_hour, settings.sync_minute)


def last_successes(session: Session) -> dict[tuple[str, str], dt.datetime]:
    """{(center, stream): the end of its latest successful run}."""
    return {(center, stream): at for center, stream, at in session.execute(
        select(SyncRun.center_code, SyncRun.stream, func.max(SyncRun.finished_at))
        .where(SyncRun.status == "succeeded").group_by(SyncRun.center_code, SyncRun.stream))}


def data_freshness(session: Session, now: dt.datetime,
                   succeeded: Mapping[tuple[str, str], dt.datetime] | None = None
                   ) -> list[dict[str, Any]]:
    """Per syncing center and stream: ``last_success``, ``age_seconds`` and
    ``nights_missed`` (``hub.sync.freshness``; a stream that never succeeded counts its
    nights from when the center was added), in the centers file's order. ``succeeded``:
    ``last_successes`` when the caller has read it already."""
    nightly = schedule()
    if succeeded is None:
        succeeded = last_successes(session)
    rows = []
    for center in centers_with_adapters(session)[0]:
        for stream in STREAMS:
            last = succeeded.get((center.code, stream))
            rows.append({"center": center.code, "name": center.name, "stream": stream,
                         "last_success": last, "age_seconds": freshness.age_seconds(last, now),
                         "nights_missed": freshness.nights_missed(
                             nightly, last or center.created_at, now)})
    return rows


def finish_run(session: Session, run_id: int, status: str, error: str | None = None, *,
               detail: str | None = None) -> SyncRun:
    """Close a run (the caller rolled back whatever batch was open) and commit. ``error``
    is what the administrator reads (Chinese, ``runner.describe``); ``detail``, the
    technical text behind it, is kept in the run's audit record only."""
    run = session.get(SyncRun, run_id, with_for_update=True)
    if run is None:
        raise NotFound(f"同步运行 {run_id} 不存在")
    if run.status != "running":  # the reconciler took it over meanwhile
        session.commit()
        return run
    total = run.inserted + run.updated + run.unchanged + run.rejected
    if status == "succeeded" and total != run.fetched:
        status, error = "failed", (f"对账失败：取得 {run.fetched} 条，但新增+更新+未变+隔离 = {total}")
    run.status, run.error, run.finished_at = status, error, clock.now()
    audit.record(session, adapter_principal(run.center_code), f"sync.run_{status}",
                 target_type="sync_run", target_id=run.id, center=run.center_code,
                 after={"stream": run.stream, "fetched": run.fetched, "inserted": run.inserted,
                        "updated": run.updated, "unchanged": run.unchanged,
                        "rejected": run.rejected, "error": error,
                        **({"detail": detail} if detail else {})})
    session.commit()
    level = logging.INFO if status == "succeeded" else logging.ERROR
    log.log(level, "sync_run_finished run=%s center=%s stream=%s status=%s fetched=%s "
            "inserted=%s updated=%s unchanged=%s rejected=%s", run.id, run.center_code,
            run.stream, status, run.fetched, run.inserted, run.updated, run.unchanged,
            run.rejected)
    return run


def load_cursor(session: Session, center: str, stream: str) -> str | None:
    row = session.get(SyncCursor, (center, stream))
    return row.cursor if row is not None else None


def reconcile_dead_runs(session: Session) -> list[tuple[str, str]]:
    """Mark running runs without a heartbeat failed; return the (center, stream) pairs to
    run again. A stream whose last ``MAX_REDRIVES`` runs all died is not re-driven: it
    is an incident for a person (logged), not a loop."""
    now = clock.now()
    dead = list(session.scalars(select(SyncRun).where(
        SyncRun.status == "running", SyncRun.heartbeat_at < now - _stale_after())))
    _mark_dead(session, dead, now)
    session.commit()
    again = []
    for center, stream in sorted({(r.center_code, r.stream) for r in dead}):
        recent = session.scalars(select(SyncRun.error).where(
            SyncRun.center_code == center, SyncRun.stream == stream)
            .order_by(SyncRun.id.desc()).limit(MAX_REDRIVES)).all()
        if len(recent) >= MAX_REDRIVES and all((e or "").startswith(DEAD) for e in recent):
            log.error("sync_incident center=%s stream=%s reason=%d consecutive runs died",
                      center, stream, MAX_REDRIVES)
            continue
        again.append((center, stream))
    return again


def centers_with_adapters(session: Session) -> tuple[list[Center], list[Center]]:
    """(centers that sync, centers that do not), in the centers file's order."""
    centers = list(session.scalars(select(Center).order_by(Center.position, Center.code)))
    return [c for c in centers if c.adapter], [c for c in centers if not c.adapter]


def runs_query(center: str | None = None, stream: str | None = None,
               status: str | None = None) -> Select[tuple[SyncRun]]:
    stmt = select(SyncRun)
    if center:
        stmt = stmt.where(SyncRun.center_code == center)
    if stream:
        stmt = stmt.where(SyncRun.stream == stream)
    if status:
        stmt = stmt.where(SyncRun.status == status)
    return stmt


def quarantine_query(center: str | None = None, stream: str | None = None,
                     run: int | None = None,
                     resolved: bool | None = None) -> Select[tuple[QuarantinedRecord]]:
    stmt = select(QuarantinedRecord)
    if center:
        stmt = stmt.where(QuarantinedRecord.center_code == center)
    if stream:
        stmt = stmt.where(QuarantinedRecord.stream == stream)
    if run:
        stmt = stmt.where(QuarantinedRecord.run_id == run)
    if resolved is not None:
        stmt = stmt.where(QuarantinedRecord.resolved_at.is_not(None) if resolved
                          else QuarantinedRecord.resolved_at.is_(None))
    return stmt


def check_scope(actor: Principal, center: str) -> None:
    """The one object-level check of a write: a center's adapter writes only its center."""
    require(actor, "sync.write", Scope(center=center))
