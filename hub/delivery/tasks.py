"""Celery tasks of delivery: thin, they take ids and call a service."""
from __future__ import annotations

import uuid

from celery import shared_task
from flask import current_app

from hub import db
from hub.approvals.messages import DELIVER
from hub.delivery import services
from hub.delivery.port import SENDER


# off_request: it waits for a department's system (up to its timeout), so the embedded
# default runs it in the outbox's own thread, never in the request that committed.
@shared_task(name=DELIVER, acks_late=True, off_request=True)
def deliver_task(task_id: str, message_id: str) -> str:
    """One try to deliver an opened approval task to its department's system
    (idempotent); a failed try that a retry can fix schedules the next one."""
    settings = current_app.config["HUB_SETTINGS"]
    policy = services.RetryPolicy(settings.outbound_max_retries,
                                  settings.outbound_backoff_seconds)
    with db.get_database().session_scope() as session:
        return services.deliver(session, uuid.UUID(task_id), message_id,
                                current_app.extensions[SENDER], policy)
