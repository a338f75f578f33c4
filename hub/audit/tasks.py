"""Celery tasks of the audit log: thin."""
from __future__ import annotations

from celery import shared_task
from flask import current_app

from hub import clock, db
from hub.audit import anchors, services


@shared_task(name="audit.anchor")
def anchor() -> str | None:
    """Periodic: append the signed chain heads to the anchor folder when a head moved."""
    with db.get_database().session_scope() as session:
        path = anchors.write_anchor(session, current_app.config["HUB_SETTINGS"].audit_anchor_dir,
                                    services.keys(), clock.now())
    return str(path) if path else None
