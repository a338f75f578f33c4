"""Celery tasks of disclosure: thin, they take ids and call a service."""
from __future__ import annotations

from typing import Any

from celery import shared_task

from hub import db
from hub.disclosure import deadlines, services
from hub.outbox.services import claim
from hub.permissions import Principal

CALENDAR_ACTOR = Principal.system("calendar:recompute")


@shared_task(name="disclosure.scan_warnings")
def scan_warnings() -> dict[str, Any]:
    """Periodic: raise the yellow and red cards of open requests."""
    with db.get_database().session_scope() as session:
        return vars(deadlines.scan_warnings(session))


@shared_task(name="disclosure.recompute_due_dates")
def recompute_due_dates(message_id: str, year: int, version: int) -> int:
    """After a year's schedule is published: recompute the open requests' limits that
    reach into it (idempotent: a second delivery finds nothing to change)."""
    with db.get_database().session_scope() as session:
        if not claim(session, "disclosure.recompute_due_dates", message_id):
            return 0
        return services.recompute_due_dates(session, year, CALENDAR_ACTOR)
