"""Consumers for the real-worker tests, loaded into ``hub worker`` with ``--include``.

``tests.slow_effect`` does what every hub consumer does (claim the message id, write
its effect, commit both together) but slowly, so the worker can be killed while it
holds the message. ``tests.poison`` kills the pool process that runs it, every time.
``tests.fails`` raises, every time. ``tests.needs_database`` does the same work as
``tests.slow_effect`` but, while a ``db-down`` file lies in the markers folder, reaches
for a database nobody listens for (127.0.0.1, port 1): the driver's real refusal.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from celery import shared_task

from sqlalchemy import text

from hub import clock, db
from hub.approvals.models import Notification
from hub.outbox.services import claim


def _mark(message_id: str) -> None:
    folder = os.environ.get("HUB_TEST_MARKERS")
    if folder:
        Path(folder, f"{message_id}.{os.getpid()}.{time.monotonic_ns()}").touch()


@shared_task(name="tests.slow_effect")
def slow_effect(message_id: str, seconds: float) -> None:
    with db.get_database().session_scope() as session:
        if not claim(session, "tests.slow_effect", message_id):
            return
        session.add(Notification(message_id=message_id, kind="test", text="effect",
                                 created_at=clock.now()))
        session.flush()
        _mark(message_id)
        time.sleep(seconds)
        session.commit()


@shared_task(name="tests.poison")
def poison(message_id: str) -> None:
    _mark(message_id)
    os._exit(1)  # the pool process dies holding the message


@shared_task(name="tests.fails")
def fails(message_id: str) -> None:
    _mark(message_id)
    raise ValueError("this message cannot be handled")


@shared_task(name="tests.needs_database")
def needs_database(message_id: str) -> None:
    _mark(message_id)
    folder = os.environ.get("HUB_TEST_MARKERS", "")
    if folder and Path(folder, "db-down").exists():
        engine = db.make_engine("postgresql+psycopg://postgres@127.0.0.1:1/hub")
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    slow_effect.run(message_id, 0)
