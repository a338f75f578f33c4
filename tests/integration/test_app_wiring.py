"""Each app registers its hooks on its own objects (its session factory, its Celery app),
nothing on a global: a second app in the process changes nothing for the first."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import requests
from celery.signals import worker_ready
from sqlalchemy import event
from sqlalchemy.orm import Session

from hub import db as hub_db
from hub.db import TransactionState
from hub.outbox.publishing import DeclareDeadLetters
from hub.supervision import rollups
from tests.conftest import build_app
from tests.integration.monitoring.servers import free_port
from tests.integration.supervision.cases import application, at


def a_broker_app(tmp_path: Path, name: str, port: int):  # type: ignore[no-untyped-def]
    # No connection is made: the broker is only named.
    return build_app(f"sqlite:///{tmp_path / name}.sqlite3", tmp_path / name,
                     broker_url="amqp://guest:guest@127.0.0.1:5672//",
                     worker_metrics_port=port)


def test_the_rollups_commit_hook_is_on_the_apps_session_factory_only(app) -> None:
    assert not event.contains(Session, "before_commit", rollups._write_pending)
    assert event.contains(hub_db.get_database(app).sessionmaker, "before_commit",
                          rollups._write_pending)


def test_a_session_that_would_lose_the_counts_is_refused(app, people) -> None:
    people.service_item()
    plain = Session(hub_db.get_database(app).engine)  # not the app's factory
    with pytest.raises(RuntimeError, match="does not write the rollups"):
        application(plain, "binhe", at("2026-11-27"))
    plain.close()


def test_state_kept_for_a_transaction_is_gone_in_the_next(app) -> None:
    state: TransactionState[list[int]] = TransactionState(f"test.{uuid.uuid4()}")
    with hub_db.get_database(app).session_scope() as session:
        assert state.get(session) is None
        with pytest.raises(RuntimeError):
            state.put(session, [1])  # no transaction has begun
        session.connection()
        kept = state.put(session, [1])
        assert state.get(session) is kept
        session.rollback()
        session.connection()
        assert state.get(session) is None  # a new transaction
        state.put(session, [2])
        assert state.pop(session) == [2] and state.get(session) is None


@pytest.mark.parametrize("backend", ["sqlite"])
def test_each_apps_workers_declare_dead_letters_and_serve_their_own_metrics_port(
        backend, tmp_path: Path) -> None:
    receivers = len(worker_ready.receivers)
    ports = [free_port(), free_port()]
    apps = [a_broker_app(tmp_path, f"app{i}", port) for i, port in enumerate(ports)]
    assert len(worker_ready.receivers) == receivers  # nothing added to the global signal
    steps = []
    for celery_app in (a.extensions["celery"] for a in apps):
        assert DeclareDeadLetters in celery_app.steps["worker"]
        [port_step] = [s for s in celery_app.steps["worker"] if s is not DeclareDeadLetters]
        steps.append(port_step(None))
    try:
        for step in steps:
            step.start(None)
        for step, port in zip(steps, ports, strict=True):
            assert step.server.server_address[1] == port  # each app's own, not the last's
            scraped = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
            assert scraped.status_code == 200 and "hub_worker_tasks" in scraped.text
    finally:
        for step in steps:
            step.stop(None)
        for a in apps:
            hub_db.get_database(a).dispose()


def test_an_app_without_a_broker_declares_no_dead_letters(app) -> None:
    celery_app = app.extensions["celery"]
    assert celery_app.conf.task_always_eager
    assert DeclareDeadLetters not in celery_app.steps["worker"]
