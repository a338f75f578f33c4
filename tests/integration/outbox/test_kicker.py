"""The relay kicker on the real RabbitMQ (a vhost of this test's own): with a broker,
the commits that write outbox messages share one ``outbox.relay`` task per short
window, instead of one each, and a commit is never left without a relay sent after it."""
from __future__ import annotations

import pytest
from kombu import Connection
from sqlalchemy import text

from hub import db
from hub.celery import quorum_queue
from hub.outbox import publishing
from hub.outbox.services import enqueue
from tests.integration.outbox.test_worker import app_config  # noqa: F401 (fixture)
from tests.processes import wait_for

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


def queue_depth(app, queue: str) -> int:  # type: ignore[no-untyped-def]
    """Messages in ``queue`` (declared first, as a worker would: nothing consumes here)."""
    settings = app.config["HUB_SETTINGS"]
    with Connection(settings.broker_url) as connection:
        _, messages, _ = quorum_queue(queue, settings)(connection.default_channel).queue_declare()
        return messages


def test_many_kicks_in_a_window_send_one_relay_task(app):
    kicker = publishing._kicker(app.extensions["celery"])
    for _ in range(100):
        kicker.kick()  # a hundred commits' kicks, far within the window
    wait_for(lambda: queue_depth(app, "default") >= 1, 10, "the relay task")
    kicker.flush()  # nothing is pending any more: sends nothing
    # One task; two only if this machine stalled for the whole window mid-loop.
    assert queue_depth(app, "default") in (1, 2)


def test_every_commit_that_wrote_messages_is_followed_by_a_relay_task(app):
    database = db.get_database(app)  # the app's sessions: their commits kick
    with database.session_scope() as work:
        enqueue(work, "tests.nothing", {"n": 1}, dedupe_key="kick:1")
        work.commit()
    wait_for(lambda: queue_depth(app, "default") == 1, 10, "a relay task after the commit")
    with database.session_scope() as work:
        enqueue(work, "tests.nothing", {"n": 2}, dedupe_key="kick:2")
        work.commit()  # after the first task was sent: needs one of its own
    wait_for(lambda: queue_depth(app, "default") == 2, 10,
             "a relay task after the second commit")


def test_a_commit_without_messages_sends_nothing(app):
    with db.get_database(app).session_scope() as work:
        work.execute(text("SELECT 1"))
        work.commit()
    publishing._kicker(app.extensions["celery"]).flush()
    assert queue_depth(app, "default") == 0
