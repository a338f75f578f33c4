"""Celery tasks of approvals: thin, they take ids and call a service."""
from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from flask import current_app

from hub import db
from hub.approvals import deadlines, notifications
from hub.outbox.services import claim

log = logging.getLogger("hub.approvals")


@shared_task(name="approvals.notify")
def notify(message_id: str, kind: str, application_id: str, task_id: str | None = None,
           warning_id: int | None = None) -> bool:
    """Write one staff notification for an outbox message (deduplicated)."""
    with db.get_database().session_scope() as session:
        return notifications.notify(session, message_id, kind, application_id, task_id,
                                    warning_id)


@shared_task(name="approvals.notify_batch", batch_of="approvals.notify")
def notify_batch(messages: list[dict[str, Any]]) -> int:
    """The notifications of a relay batch of ``approvals.notify`` messages, in one
    transaction. Should the batch fail, each message is tried alone, so one that cannot
    be handled fails alone: the task then fails (rejected and dead-lettered: its row marked
    failed), the others written. A database out of reach fails no message: the batch is
    tried again later (``hub.celery``)."""
    database = db.get_database()
    try:
        with database.session_scope() as session:
            return notifications.notify_batch(session, messages)
    except Exception as exc:
        if db.unavailable(exc):
            raise  # no message is at fault: the whole batch is tried again later
        log.warning("notify_batch_failed messages=%s: handled one by one", len(messages))
    written, failed = 0, []
    for message in messages:
        try:
            with database.session_scope() as session:
                written += notifications.notify(session, **message)
        except Exception as exc:
            if db.unavailable(exc):
                raise  # those written so far are claimed: a retry skips them
            failed.append(f"{message.get('message_id')}: {type(exc).__name__}")
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(messages)} notifications failed: "
                           + "; ".join(failed[:5]))
    return written


@shared_task(name="approvals.scan_warnings")
def scan_warnings() -> dict[str, Any]:
    """Periodic: raise the yellow and red cards of cases and tasks."""
    with db.get_database().session_scope() as session:
        return vars(deadlines.scan_warnings(session))


@shared_task(name="approvals.recompute_deadlines")
def recompute_deadlines(message_id: str, year: int, version: int) -> int:
    """After a year's schedule is published: recompute the open due dates reaching into
    it, in batches (idempotent; the claim is taken once all batches are done)."""
    settings = current_app.config["HUB_SETTINGS"]
    with db.get_database().session_scope() as session:
        changed = deadlines.recompute_deadlines(session, year,
                                                batch=settings.deadline_recompute_batch)
        claim(session, "approvals.recompute_deadlines", message_id)
        session.commit()
    return changed
