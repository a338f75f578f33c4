"""Celery tasks of the rate limits: thin."""
from __future__ import annotations

from celery import shared_task

from hub import clock, db
from hub.throttle import services


@shared_task(name="throttle.prune")
def prune() -> int:
    """Periodic: delete the counting windows that no judgement reads any more."""
    with db.get_database().session_scope() as session:
        return services.prune(session, clock.now())
