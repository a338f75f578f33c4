"""The Celery app: JSON only, late acks, reject on worker loss, publisher confirms.

With no broker configured, tasks run in-process (the embedded default).
"""
from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask
from kombu import Queue

from hub.config import Settings

DEFAULT_QUEUE = "default"


def celery_config(settings: Settings) -> dict[str, Any]:
    eager = settings.eager_celery
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
        "worker_prefetch_multiplier": 1,
        "task_default_queue": DEFAULT_QUEUE,
        "task_queues": [Queue(DEFAULT_QUEUE, queue_arguments={"x-queue-type": "quorum"})]
        if settings.broker_url.startswith("amqp") else None,
        "timezone": settings.timezone,
        "enable_utc": True,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
    }
    if settings.broker_url.startswith(("amqp", "pyamqp")):
        # Publish only counts once RabbitMQ confirmed it has the message.
        config["broker_transport_options"] = {"confirm_publish": True}
    return {k: v for k, v in config.items() if v is not None}


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app bound to this Flask app; tasks run inside its app context."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_config(app.config["HUB_SETTINGS"]))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def get_celery(app: Flask) -> Celery:
    return app.extensions["celery"]
