"""The working-day calendar is checked against the database once per transaction (a
decision asks for it three times), or not at all while change signals are live
(PostgreSQL: a publication anywhere empties the cache, ``tests/integration/
test_change_signals.py``); a year published since is seen at once."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from hub import change_signals
from hub.approvals.calendar_services import load_calendar, publish_year
from hub.permissions import Principal
from tests.processes import live_listener


def fingerprints(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every query of the calendar's fingerprint, from now on."""
    seen: list[str] = []

    @event.listens_for(app.extensions["hub.db"].engine, "before_cursor_execute")
    def _record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "calendar_years" in statement and "count(" in statement.lower():
            seen.append(statement)

    return seen


def test_one_check_per_transaction(app):
    database = app.extensions["hub.db"]
    if change_signals.listener(database.engine) is not None:
        live_listener(database.engine)
        queries = fingerprints(app)
        with database.session_scope() as work:
            load_calendar(work)
            work.commit()
            load_calendar(work)
        assert queries == []  # the signals stand in for the check
        return
    queries = fingerprints(app)
    with database.session_scope() as work:
        first = load_calendar(work)
        assert load_calendar(work) is first and load_calendar(work) is first
        assert len(queries) == 1
        work.commit()
        load_calendar(work)  # a new transaction checks again
        assert len(queries) == 2


def test_a_year_published_in_the_transaction_is_seen_after_it(app):
    database = app.extensions["hub.db"]
    admin = Principal.system("test")
    with database.session_scope() as work:
        before = load_calendar(work)
        assert 2027 not in before.official_years
        publish_year(work, admin, 2027, [dt.date(2027, 1, 1)], [])
        after = load_calendar(work)
        assert 2027 in after.official_years and after is not before
