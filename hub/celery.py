"""The Celery app: JSON only, late acks, reject on worker loss, publisher confirms,
quorum queues with a delivery limit whose overflow is dead-lettered (and turned into a
visible incident by the outbox reconciler).

A task's message is never acknowledged unless the task did its work: a task that cannot
reach the database is tried again with a growing delay (the outage may heal), and one
that fails otherwise, or past those tries, is rejected, so RabbitMQ dead-letters it and
its outbox rows become failed rows instead of messages nobody handled.

With no broker configured, tasks run in-process (the embedded default). This is a
composition root: it lists the task modules of every package (``TASK_MODULES``).
"""
from __future__ import annotations

import importlib
from typing import Any

from celery import Celery, Task
from celery.app.amqp import AMQP, Queues
from flask import Flask
from kombu import Exchange, Queue

from hub import db
from hub.config import Settings
from hub.outbox import publishing
from monitoring import worker as worker_metrics

DEFAULT_QUEUE = "default"
# Every module that defines Celery tasks.
TASK_MODULES = ("hub.outbox.tasks", "hub.approvals.tasks", "hub.disclosure.tasks", "hub.sync.tasks",
                "hub.throttle.tasks", "hub.directory.tasks", "hub.audit.tasks",
                "hub.delivery.tasks", "hub.tickets.tasks")


def quorum_queue(name: str, settings: Settings) -> Queue:
    """A durable quorum queue whose messages are delivered at most ``delivery_limit``
    + 1 times (a message that keeps killing its worker stops there), then dead-lettered."""
    return Queue(name, Exchange(name, type="direct"), routing_key=name, queue_arguments={
        "x-queue-type": "quorum",
        "x-delivery-limit": settings.task_delivery_limit,
        "x-dead-letter-exchange": publishing.DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": publishing.DEAD_LETTER_QUEUE,
    })


def _amqp_with_quorum_queues(settings: Settings) -> type[AMQP]:
    """Queues named on the fly (``sync.<center>``, ``-Q`` of a worker) are declared like
    the default one: quorum, delivery limit, dead-lettered."""

    class HubQueues(Queues):
        def new_missing(self, name: str) -> Queue:
            return quorum_queue(name, settings)

    class HubAMQP(AMQP):
        queues_cls = HubQueues

    return HubAMQP


def _is_amqp(url: str) -> bool:
    return url.startswith(("amqp", "pyamqp"))


def celery_config(settings: Settings) -> dict[str, Any]:
    from hub.schedule import TIMEZONE, beat_schedule

    eager = settings.eager_celery
    amqp = _is_amqp(settings.broker_url)
    config: dict[str, Any] = {
        "broker_url": settings.broker_url or "memory://",
        "task_always_eager": eager,
        "task_eager_propagates": eager,
        "task_store_eager_result": False,
        "task_ignore_result": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "event_serializer": "json",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # Celery acknowledges a failed task by default: its message would be gone while
        # its outbox row says sent. Rejected, it is dead-lettered (hub.outbox.publishing).
        "task_acks_on_failure_or_timeout": False,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": DEFAULT_QUEUE,
        "task_default_exchange": DEFAULT_QUEUE,
        "task_default_routing_key": DEFAULT_QUEUE,
        "task_queues": [quorum_queue(DEFAULT_QUEUE, settings)] if amqp else None,
        # Quorum queues support no global QoS: Celery then applies prefetch per consumer.
        "worker_detect_quorum_queues": True,
        "timezone": TIMEZONE,
        "enable_utc": True,
        "beat_schedule": beat_schedule(settings),
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "include": list(TASK_MODULES),
    }
    if amqp:
        # Publish only counts once RabbitMQ confirmed it has the message.
        config["broker_transport_options"] = {"confirm_publish": True}
    return {k: v for k, v in config.items() if v is not None}


def unavailable_delay(retries: int) -> float:
    """Seconds before trying again a task that could not reach the database, after
    ``retries`` such tries: 2, 4, 8 … at most 60."""
    return float(min(60, 2 ** (retries + 1)))


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app bound to this Flask app; tasks run inside its app context."""

    settings = app.config["HUB_SETTINGS"]

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                except Exception as exc:
                    if self.app.conf.task_always_eager or not db.unavailable(exc):
                        raise  # eager: the outbox relay backs the row off itself
                    # The same message again later (a new delivery, not counted against
                    # the delivery limit); past the tries, ``exc`` fails it: rejected.
                    raise self.retry(exc=exc, countdown=unavailable_delay(self.request.retries),
                                     max_retries=settings.task_unavailable_retries)

    amqp = _amqp_with_quorum_queues(settings) if _is_amqp(settings.broker_url) else None
    celery_app = Celery(app.import_name, task_cls=FlaskTask, amqp=amqp)
    config = celery_config(settings)
    celery_app.config_from_object(config)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    for name in config["include"]:
        importlib.import_module(name)  # their shared tasks bind to this app when it finalises
    publishing.init_app(app, celery_app)
    worker_metrics.init_celery(celery_app, settings)
    return celery_app
