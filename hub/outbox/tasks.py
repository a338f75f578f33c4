"""Celery tasks of the outbox: thin, they call the relay and the reconciler."""
from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from flask import current_app

from hub import db
from hub.outbox import publishing, services

log = logging.getLogger("hub.outbox")


@shared_task(name="outbox.relay")
def relay() -> dict[str, int]:
    """Publish the outbox messages that are due (kicked after commits)."""
    report = publishing.run_relay(current_app)
    return vars(report)


@shared_task(name="outbox.reconcile")
def reconcile() -> dict[str, Any]:
    """Periodic: dead-lettered messages become failed rows (incidents), messages still
    due (leases run out, broker was down) are published again; the counts are logged."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with db.get_database(app).session_scope() as session:
        dead = publishing.drain_dead_letters(app, session)
        counts = services.counts(session)
    report = publishing.run_relay(app)
    log.info("outbox_reconciled dead_lettered=%s sent=%s pending=%s failed=%s",
             dead, report.sent, counts["pending"], counts["failed"])
    return {"dead_lettered": dead, "relayed": report.sent, **counts}
