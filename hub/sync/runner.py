"""The sync runner: page a center's stream from the last committed cursor, validate
each page against the canonical schemas, write it set-based, quarantine the bad
records with their reasons, and commit every batch together with its new cursor.

A run that fails part-way keeps what it committed and the next run resumes there;
records of the batch that failed come again and are upserted by key, so none is
written twice. Every batch reconciles ``fetched = inserted + updated + unchanged +
rejected`` and the run fails loudly when it does not hold.
"""
from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from flask import current_app
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from hub import clock
from hub.db import Database, upsert
from hub.errors import HubError
from hub.permissions import Principal
from hub.sync import services
from hub.sync.models import QuarantinedRecord, SyncCursor, SyncRun
from hub.sync.prepare import PreparedPage, Preparer
from hub.sync.preparation import PreparationProcess
from hub.sync.source import SourceError, SourceSpec
from hub.sync.writers import SyncReconciliationError, mask_record, write_applications, write_staff

log = logging.getLogger("hub.sync")

Progress = Callable[[SyncRun], None]


class ReadAhead:
    """Items of an iterator produced one or two ahead in a thread, so the next page's HTTP
    and preparation (or unpickling) overlap the database writing this one."""

    _DONE = object()

    def __init__(self, items: Iterator[PreparedPage], *, depth: int = 2) -> None:
        self._items = items
        self._pages: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="sync-read-ahead",
                                        daemon=True)
        self._thread.start()

    def _hand(self, item: Any) -> bool:  # False once the consumer has gone
        while not self._stop.is_set():
            try:
                self._pages.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._hand(item):
                    return
            self._hand(self._DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            self._hand(exc)

    def __iter__(self) -> ReadAhead:
        return self

    def __next__(self) -> PreparedPage:
        item = self._pages.get()
        if item is self._DONE:
            self._pages.put(item)  # asked again, it ends again
            raise StopIteration
        if isinstance(item, BaseException):
            raise item
        return item  # type: ignore[no-any-return]

    def close(self, wait: float = 30) -> None:
        """Tell the thread to stop; wait for it ``wait`` seconds at most (it may be in
        the middle of a page, which nobody will take)."""
        self._stop.set()
        self._thread.join(timeout=wait)


def prepared_pages(spec: SourceSpec, preparer: Preparer, since: str | None, *,
                   prepare_after: int) -> Iterator[PreparedPage]:
    """The run's pages, prepared. The runner prepares them itself (in a read-ahead
    thread) and, once it has done ``prepare_after`` records, starts a preparation process
    and, when it is up, hands it the source at the last page it took: the pages the
    thread had read beyond it are dropped and read again there. Taking the next page
    means the one before is committed, so the hand-off cursor is committed. A process
    that cannot start leaves the run to go on here."""
    context = preparer.context
    source = services.open_source(spec)
    process: PreparationProcess | None = None
    cursor, prepared, tried = since, 0, False
    try:
        local = ReadAhead(preparer.prepare(page) for page in source.read(context.stream, since)
                          if page.records)
        try:
            for page in local:
                yield page
                cursor, prepared = page.cursor, prepared + page.fetched
                try:
                    if not tried and 0 < prepare_after <= prepared and cursor is not None:
                        tried = True
                        process = PreparationProcess()
                    if process is not None and process.ready():
                        break
                except (OSError, SourceError) as exc:  # could not start: go on here
                    log.warning("sync_prepare_unavailable center=%s stream=%s error=%s",
                                context.center, context.stream, exc)
                    if process is not None:
                        process.close()
                    process = None
            else:
                return
        finally:
            # At the hand-off the thread may be fetching a page nobody will take: it
            # stops after it, and the hand-off does not wait (the source closes at the end).
            local.close(wait=0 if process is not None else 30)
        log.info("sync_handoff center=%s stream=%s after=%s", context.center, context.stream,
                 prepared)
        remote = ReadAhead(process.pages(spec, context, cursor))
        try:
            for page in remote:  # not ``yield from``: it would close remote before process
                yield page
        finally:
            process.close()  # first: the thread reading its pipe then sees the end at once
            remote.close()
    finally:
        if process is not None:
            process.close()
        source.close()


def apply_page(session: Session, actor: Principal, run: SyncRun, page: PreparedPage,
               preparer: Preparer, *, quarantined: bool = True,
               analysed: set[str] | None = None) -> bool:
    """One batch, in one transaction with its cursor; commits. ``quarantined``: whether
    the center's stream may have open quarantine entries for accepted records to
    resolve (a run tells once, then follows its own); returns it for the next batch.
    ``analysed``: the run's centers whose planner statistics were checked."""
    center, stream = run.center_code, run.stream
    services.check_scope(actor, center)
    rejected = list(page.rejected)
    # A record changed twice within one page: its last version stands for both.
    if stream == "applications":
        latest = {case.key: case for case in page.valid}
        superseded = len(page.valid) - len(latest)
        result = write_applications(session, center, actor, list(latest.values()),
                                    preparer.complete,
                                    analysed=set() if analysed is None else analysed)
    else:
        latest = {record["external_id"]: record for record in page.valid}
        superseded = len(page.valid) - len(latest)
        result = write_staff(session, center, actor, list(latest.values()))
    rejected.extend(result.rejected)
    fetched = page.fetched
    unchanged = result.unchanged + superseded
    if fetched != result.inserted + result.updated + unchanged + len(rejected):
        raise SyncReconciliationError(
            f"对账失败（第 {run.batches + 1} 批）：取得 {fetched} 条，新增 {result.inserted}、"
            f"更新 {result.updated}、未变 {unchanged}、隔离 {len(rejected)}")
    now = clock.now()
    if rejected:
        session.execute(insert(QuarantinedRecord), [
            {"run_id": run.id, "center_code": center, "stream": stream,
             "external_id": _external_id(raw), "reasons": reasons, "created_at": now,
             "record": mask_record(stream, raw) if isinstance(raw, dict) else {"value": str(raw)}}
            for raw, reasons in rejected])
        quarantined = True
    if result.accepted and quarantined:
        session.execute(update(QuarantinedRecord).where(
            QuarantinedRecord.center_code == center, QuarantinedRecord.stream == stream,
            QuarantinedRecord.resolved_at.is_(None),
            QuarantinedRecord.external_id.in_(result.accepted)).values(resolved_at=now,
                                                                       resolution="accepted"))
    stmt = upsert(session, SyncCursor).values(center_code=center, stream=stream,
                                              cursor=page.cursor, run_id=run.id, updated_at=now)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["center_code", "stream"],
        set_={"cursor": stmt.excluded.cursor, "run_id": stmt.excluded.run_id,
              "updated_at": stmt.excluded.updated_at}))
    run.fetched += fetched
    run.inserted += result.inserted
    run.updated += result.updated
    run.unchanged += unchanged
    run.rejected += len(rejected)
    run.batches += 1
    run.cursor_end, run.heartbeat_at = page.cursor, now
    session.commit()
    return quarantined


def _open_quarantine(session: Session, center: str, stream: str) -> bool:
    return session.scalar(select(QuarantinedRecord.id).where(
        QuarantinedRecord.center_code == center, QuarantinedRecord.stream == stream,
        QuarantinedRecord.resolved_at.is_(None)).limit(1)) is not None


def _external_id(raw: Any) -> str | None:
    value = raw.get("external_id") if isinstance(raw, dict) else None
    return str(value)[:128] if value not in (None, "") else None


INTERNAL_ERROR = "数据中心处理本批数据时出现内部错误，已记入系统日志，请联系运维人员"


def _first_line(exc: BaseException) -> str:
    said = str(exc).splitlines()[0][:500] if str(exc) else ""
    return f"{type(exc).__name__}: {said}"


def describe(exc: BaseException) -> tuple[str, str | None]:
    """(what the run's ``error`` says, the technical detail): the one place a failed run's
    reason is worded. The first is Chinese and meant for the administrator (the sync page,
    the API); the second, the exception's own text, goes to the logs and the run's audit
    record only."""
    if isinstance(exc, SourceError):
        return str(exc), exc.technical
    if isinstance(exc, SyncReconciliationError):
        return str(exc), None
    if isinstance(exc, HubError):
        return exc.detail, None
    return INTERNAL_ERROR, _first_line(exc)


# The namespace of the sync's PostgreSQL advisory locks (the second key is the run id).
RUN_LOCK_SPACE = 0x5_1_1C


@contextlib.contextmanager
def exclusive(database: Database, run_id: int) -> Iterator[bool]:
    """Whether this process may carry out the run now. A run's message delivered twice at
    once (delivery is at least once) must not read the center and write its batches
    twice side by side: on PostgreSQL a session advisory lock on the run, held by a
    connection of its own (no transaction stays open) and freed when the run ends or its
    process dies. SQLite has one writer and runs the tasks in-process."""
    if database.dialect != "postgresql":
        yield True
        return
    with database.engine.connect() as conn:
        key = {"space": RUN_LOCK_SPACE, "run": run_id}
        got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:space, :run)"), key))
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:space, :run)"), key)
                conn.commit()


def execute_run(database: Database, run_id: int, spec: SourceSpec, *,
                progress: Progress | None = None) -> SyncRun | None:
    """Carry out a started run to its end; returns it closed (succeeded or failed).
    A run that is not running any more (already done, taken over), or that another
    process is carrying out, is left alone."""
    with exclusive(database, run_id) as mine:
        if not mine:
            log.warning("sync_run_skipped run=%s reason=%r", run_id, "already being carried out")
            return None
        return _execute_run(database, run_id, spec, progress)


def _execute_run(database: Database, run_id: int, spec: SourceSpec,
                 progress: Progress | None) -> SyncRun | None:
    with database.session_scope() as session:
        run = session.get(SyncRun, run_id)
        if run is None or run.status != "running":
            return run
        actor = services.adapter_principal(run.center_code)
        since = None if run.full else services.load_cursor(session, run.center_code, run.stream)
        run.cursor_start = since
        context = services.run_context(session, run.center_code, run.stream,
                                       complete=not run.full)
        prepare_after = current_app.config["HUB_SETTINGS"].sync_prepare_after
        quarantined = _open_quarantine(session, run.center_code, run.stream)
        session.commit()
        # One preparer: it prepares the pages here, and completes at write time what a
        # full re-read's pages left undone.
        preparer = Preparer(context)
        pages = prepared_pages(spec, preparer, since, prepare_after=prepare_after)
        analysed: set[str] = set()  # once per run: see writers._keep_center_in_statistics
        try:
            for page in pages:
                quarantined = apply_page(session, actor, run, page, preparer,
                                         quarantined=quarantined, analysed=analysed)
                if progress is not None:
                    progress(run)
        except Exception as exc:  # every failure ends the run as failed, with its reason
            pages.close()  # its process and threads gone before the run is seen closed
            session.rollback()
            shown, technical = describe(exc)
            if isinstance(exc, (SourceError, SyncReconciliationError, HubError)):
                log.error("sync_run_error run=%s center=%s stream=%s error=%s detail=%s",
                          run_id, run.center_code, run.stream, shown, technical)
            else:
                log.exception("sync_run_crashed run=%s", run_id)
            return services.finish_run(session, run_id, "failed", shown, detail=technical)
        pages.close()
        return services.finish_run(session, run_id, "succeeded")


def sync_center(database: Database, center: str, *, stream: str | None = None,
                trigger: str, requested_by: str, full: bool = False,
                progress: Progress | None = None) -> list[SyncRun]:
    """Sync every stream of a center (or one), one after the other, now.
    Raises ``Conflict`` when one is already running, ``NotFound`` for an unknown center."""
    runs: list[SyncRun] = []
    with database.session_scope() as session:
        spec = services.source_spec(services.get_center(session, center))
        streams = services.streams_of(spec, stream)
    for name in streams:
        with database.session_scope() as session:
            run = services.start_run(session, center, name, trigger=trigger,
                                     requested_by=requested_by, full=full)
        closed = execute_run(database, run.id, spec, progress=progress)
        if closed is not None:
            runs.append(closed)
    return runs
