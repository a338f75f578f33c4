"""Celery tasks of the sync: thin, JSON-only, idempotent; they re-read the rows and call
the runner. Each center's runs go to its own queue ``sync.<center>``, so a worker can
run inside that center's network (``hub worker -Q sync.binhe``)."""
from __future__ import annotations

import logging

from celery import shared_task

from hub import db
from hub.errors import Conflict, HubError
from hub.sync import runner, services
from hub.sync.models import SyncRun

log = logging.getLogger("hub.sync")


def queue_name(center: str) -> str:
    return f"sync.{center}"


def dispatch_run(run: SyncRun) -> None:
    """Hand a started run to its center's workers. If the message is lost, the run has no
    heartbeat and the reconciler marks it failed and runs the stream again."""
    execute_run.apply_async(kwargs={"run_id": run.id}, queue=queue_name(run.center_code))


@shared_task(name="sync.run", acks_late=True)
def execute_run(run_id: int) -> None:
    """Carry out a run started by ``POST /api/v1/sync/{center}/runs``."""
    database = db.get_database()
    with database.session_scope() as session:
        run = session.get(SyncRun, run_id)
        if run is None or run.status != "running":
            return  # a redelivery of a run already closed: nothing to do
        spec = services.source_spec(services.get_center(session, run.center_code))
    runner.execute_run(database, run_id, spec)


@shared_task(name="sync.center", acks_late=True)
def sync_center(center: str, stream: str | None = None, trigger: str = "schedule") -> None:
    """Sync a center's streams now (the nightly run; a re-drive after a dead run)."""
    try:
        runs = runner.sync_center(db.get_database(), center, stream=stream, trigger=trigger,
                                  requested_by=f"celery:{trigger}")
    except Conflict as exc:
        log.warning("sync_skipped center=%s reason=%r", center, exc.detail)
        return
    except HubError as exc:
        log.error("sync_not_started center=%s reason=%r", center, exc.detail)
        return
    for run in runs:
        log.info("sync_done center=%s stream=%s status=%s", center, run.stream, run.status)


@shared_task(name="sync.nightly", acks_late=True)
def nightly() -> None:
    """Fan out: every center with an adapter, on its own queue; say why others are skipped."""
    with db.get_database().session_scope() as session:
        syncing, skipped = services.centers_with_adapters(session)
    for center in skipped:
        log.info("sync_skipped center=%s reason=%r", center.code, "no adapter configured")
    for center in syncing:
        sync_center.apply_async(kwargs={"center": center.code, "trigger": "schedule"},
                                queue=queue_name(center.code))


@shared_task(name="sync.reconcile", acks_late=True)
def reconcile() -> None:
    """Mark runs that died failed, and run their streams again (bounded)."""
    with db.get_database().session_scope() as session:
        again = services.reconcile_dead_runs(session)
    for center, stream in again:
        sync_center.apply_async(kwargs={"center": center, "stream": stream,
                                        "trigger": "reconcile"}, queue=queue_name(center))
