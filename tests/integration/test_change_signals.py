"""Change signals on PostgreSQL (``hub.change_signals``): a bearer token's principal, the
working-day calendar and the departments' endpoints are cached per process, and a change
made anywhere empties the caches of every process: a member of staff who leaves is
refused at once, a published year is used at once. Without a live listener nothing is
served from a cache."""
from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from hub import change_signals
from hub import db as hub_db
from hub.approvals.calendar_services import load_calendar
from hub.directory.departments import endpoints
from tests.processes import live_listener, wait_for

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def backend() -> str:
    return "postgresql"


class Statements:
    """The statements the app's engine runs that read ``table``."""

    def __init__(self, engine: sa.Engine, table: str) -> None:
        self.seen: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self._record)
        self.table = table

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if f"FROM {self.table}" in statement:
            self.seen.append(statement)


def other_process(app) -> sa.Engine:  # type: ignore[no-untyped-def]
    """A connection of its own, outside the app's sessions: what another process does."""
    return sa.create_engine(str(hub_db.get_database(app).engine.url.render_as_string(
        hide_password=False)))


def test_a_member_of_staff_who_leaves_elsewhere_is_refused_at_once(app, people):
    engine = hub_db.get_database(app).engine
    signals = live_listener(engine)
    clerk = people.clerk()
    client = app.test_client()
    tokens = Statements(engine, "api_tokens")
    for _ in range(3):
        assert client.get("/api/v1/me", headers=clerk.headers).status_code == 200
    assert len(tokens.seen) == 1  # resolved once, then from the cache
    cache = signals.cache("tokens", frozenset())
    other = other_process(app)
    with other.begin() as conn:
        conn.execute(sa.text("UPDATE users SET status = 'left' WHERE username = :u"),
                     {"u": clerk.user.username})
    wait_for(lambda: len(cache) == 0, 10, "the signal to empty the token cache")
    other.dispose()
    refused = client.get("/api/v1/me", headers=clerk.headers)
    assert refused.status_code == 401 and "失效" in refused.get_json()["detail"]


def test_signing_out_ends_the_cached_token_in_this_process_without_waiting(app, people):
    signals = live_listener(hub_db.get_database(app).engine)
    clerk = people.clerk()
    client = app.test_client()
    assert client.get("/api/v1/me", headers=clerk.headers).status_code == 200
    signals.stop()  # no signal can arrive: the commit itself must empty the cache
    signals.live = True
    try:
        assert client.delete("/api/v1/auth/token", headers=clerk.headers).status_code == 204
        assert client.get("/api/v1/me", headers=clerk.headers).status_code == 401
    finally:
        signals.live = False


def test_a_year_published_elsewhere_is_used_at_once(app):
    database = hub_db.get_database(app)
    live_listener(database.engine)
    with database.session_scope() as work:
        assert 2027 not in load_calendar(work).official_years
    other = other_process(app)
    with other.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO calendar_years (year, source, version, published_at, published_by) "
            "VALUES (2027, 'admin', 1, now(), 'elsewhere')"))
    other.dispose()

    def seen() -> bool:
        with database.session_scope() as work:
            return 2027 in load_calendar(work).official_years

    wait_for(seen, 10, "the published year")


def test_without_a_live_listener_every_request_reads_the_database(app, people):
    engine = hub_db.get_database(app).engine
    signals = live_listener(engine)
    clerk = people.clerk()
    client = app.test_client()
    signals.stop()
    tokens = Statements(engine, "api_tokens")
    for _ in range(3):
        assert client.get("/api/v1/me", headers=clerk.headers).status_code == 200
    assert len(tokens.seen) == 3


def test_a_lost_connection_empties_the_caches_and_listens_again(app, people):
    engine = hub_db.get_database(app).engine
    signals = live_listener(engine)
    clerk = people.clerk()
    client = app.test_client()
    assert client.get("/api/v1/me", headers=clerk.headers).status_code == 200
    cache, epoch = signals.cache("tokens", frozenset()), signals.epoch
    assert len(cache) == 1
    with engine.begin() as conn:
        ended = conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'hub change signals' AND datname = current_database()"
        )).scalars().all()
    assert ended and all(ended)
    wait_for(lambda: signals.live and signals.epoch > epoch, 30, "the listener back")
    assert len(cache) == 0


def test_a_department_given_an_endpoint_elsewhere_is_delivered_to_at_once(app, people):
    """The departments' endpoints are cached (every opening of a task asks for them); a
    department whose system is connected elsewhere gets its next task delivered."""
    database = hub_db.get_database(app)
    live_listener(database.engine)
    people.department("market")
    reads = Statements(database.engine, "departments")

    def served_from_the_cache() -> bool:  # once the signal of the department's creation is in
        seen = len(reads.seen)
        with database.session_scope() as work:
            assert endpoints(work, ["market", "nowhere"]) == {"market": None, "nowhere": None}
        return len(reads.seen) == seen

    wait_for(served_from_the_cache, 10, "the endpoints read once, then from the cache")
    other = other_process(app)
    with other.begin() as conn:
        conn.execute(sa.text("UPDATE departments SET endpoint = :e WHERE code = 'market'"),
                     {"e": '{"url": "http://127.0.0.1:9/tasks"}'})
    other.dispose()

    def seen() -> bool:
        with database.session_scope() as work:
            return endpoints(work, ["market"])["market"] == {"url": "http://127.0.0.1:9/tasks"}

    wait_for(seen, 10, "the department's new endpoint")
