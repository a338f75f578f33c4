"""A server and a worker that a test starts run on the test's clock, not on the machine's
(issue 24): the bearer token the factories issue on the frozen clock is honoured by
gunicorn for its eight hours, the deadlines gunicorn computes are the test's, and the
worker stamps what it handles on the same timeline. Before ``HUB_CLOCK_OFFSET_SECONDS``
every such test was bound to fail once the machine's date passed the frozen one by a day;
``test_moved_clock.py`` runs this one with the machine's clock moved too."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from hub.approvals.calendar import deadline
from hub.approvals.calendar_services import load_calendar
from hub.outbox.models import ProcessedMessage
from tests.e2e.approvals.conftest import FORM, ID_NUMBER, PHONE
from tests.processes import gunicorn, hub_worker, processes_clock, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.slow,
              pytest.mark.timeout(240)]


@pytest.fixture
def backend() -> str:
    return "postgresql"


@pytest.fixture
def app_config(vhost_url: str) -> dict[str, Any]:
    return {"broker_url": vhost_url}


def test_a_server_and_a_worker_that_a_test_starts_keep_the_tests_time(
        app, people, session, tmp_path) -> None:
    people.service_item()
    clerk = people.clerk(center="binhe")  # an eight-hour token, issued at the frozen now
    issued_at = app.extensions["hub.clock"].now()
    worker = hub_worker(app, tmp_path / "worker.log").start()
    try:
        with gunicorn(app, tmp_path) as base:
            api = requests.Session()
            api.headers.update(clerk.headers)
            assert api.get(f"{base}/api/v1/me", timeout=10).status_code == 200
            answer = api.post(
                f"{base}/api/v1/applications", timeout=30,
                headers={"Idempotency-Key": f"clock-{uuid.uuid4().hex}"},
                json={"service_item": "open-restaurant", "center": "binhe", "form": dict(FORM),
                      "applicant": {"name": "张三丰", "id_number": ID_NUMBER, "phone": PHONE}})
            assert answer.status_code == 201, answer.text
            case = answer.json()
            submitted = dt.datetime.fromisoformat(case["submitted_at"])
            shared = processes_clock(app)
            assert issued_at <= submitted <= shared.now()
            expected, provisional = deadline(load_calendar(session), submitted, 10)
            assert dt.datetime.fromisoformat(case["due_at"]) == expected
            assert case["due_at_provisional"] is provisional

            # The worker handles the case's messages on the same timeline.
            handled = wait_for(lambda: session.scalars(select(ProcessedMessage)).all(), 60,
                               f"the worker to handle the outbox ({worker.tail()})")
            for message in handled:
                assert issued_at <= message.processed_at <= shared.now(), message.processed_at
            assert session.scalar(select(func.count()).select_from(ProcessedMessage)) >= 1
    finally:
        worker.stop()
