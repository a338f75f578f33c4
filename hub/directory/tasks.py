"""Celery tasks of the directory: thin."""
from __future__ import annotations

from celery import shared_task
from flask import current_app

from hub import clock, db
from hub.directory import lockout


@shared_task(name="directory.prune_sign_ins")
def prune_sign_ins() -> int:
    """Periodic: forget idle sign-in pairs (not an owner's known address) and run-out locks."""
    with db.get_database().session_scope() as session:
        return lockout.prune(session, clock.now(), current_app.config["HUB_SETTINGS"])
