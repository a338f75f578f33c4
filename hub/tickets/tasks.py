"""Celery tasks of the call center: thin, they call a service."""
from __future__ import annotations

from typing import Any

from celery import shared_task
from flask import current_app

from hub import db
from hub.outbox.services import claim
from hub.tickets import deadlines


@shared_task(name="tickets.scan_warnings")
def scan_warnings() -> dict[str, Any]:
    """Periodic: raise the yellow and red cards of tickets awaiting an answer."""
    with db.get_database().session_scope() as session:
        return vars(deadlines.scan_warnings(session))


@shared_task(name="tickets.recompute_deadlines")
def recompute_deadlines(message_id: str, year: int, version: int) -> int:
    """After a year's schedule is published: recompute the due dates of the tickets that
    reach into it (idempotent; the claim is taken once every batch is done)."""
    settings = current_app.config["HUB_SETTINGS"]
    with db.get_database().session_scope() as session:
        changed = deadlines.recompute_deadlines(session, year,
                                                batch=settings.deadline_recompute_batch)
        claim(session, "tickets.recompute_deadlines", message_id)
        session.commit()
    return changed
