"""The cards of requests for government information, over HTTP on SQLite and PostgreSQL:
the periodic scan records each card once per level and due day (audited, the request as
target), exactly when the request shows it; none for a request waiting for its completed
version or answered; again for the new due day after an extension or a supplement. The
clock starts on Monday 30 November 2026, 09:00 in the hall."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from hub import db as hub_db
from hub.audit.models import AuditRecord
from hub.disclosure.deadlines import ACTIONS, WARNINGS_ACTOR, scan_warnings
from hub.disclosure.models import DisclosureWarning
from hub.schedule import beat_schedule
from hub.timezones import SHANGHAI
from hub.web.display import SYSTEM_ACTORS
from hub.web.filters import ACTION_LABELS
from tests.e2e.approvals.conftest import lasting
from tests.e2e.disclosure.conftest import REQUESTS


@pytest.fixture
def desk(office, people):
    """The office with tokens valid for a year: these walks move the clock by weeks."""
    return dataclasses.replace(office, clerk=lasting(people, office.clerk),
                               chief=lasting(people, office.chief))


def _scan(app):
    with hub_db.get_database(app).session_scope() as session:
        return vars(scan_warnings(session))


def _on(frozen_clock, day: str) -> None:
    """01:00 in the hall on ``day``: the first scans of that day."""
    frozen_clock.set(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(1),
                                         tzinfo=SHANGHAI))


def _cards(session, request_id=None):
    stmt = select(DisclosureWarning).order_by(DisclosureWarning.id)
    if request_id is not None:
        stmt = stmt.where(DisclosureWarning.request_id == uuid.UUID(request_id))
    return [(w.level, w.due_on.isoformat()) for w in session.scalars(stmt)]


def _shown(desk, request_id):
    return desk.get(f"{REQUESTS}/{request_id}").get_json()


def test_a_request_is_carded_once_per_level_when_it_shows_the_card(desk, app, session,
                                                                   frozen_clock):
    carded = desk.registered(received_on="2026-11-20")["id"]  # due Friday 18 December
    waiting = desk.registered(received_on="2026-11-20")["id"]
    desk.acted(waiting, "supplement", reason="申请内容不明确", on="2026-11-27")
    answered = desk.registered(received_on="2026-10-26")["id"]  # due 23 Nov, answered late
    desk.acted(answered, "answer", outcome="disclosed", answered_on="2026-11-30")
    assert _scan(app) == {"yellow": 0, "red": 0}

    _on(frozen_clock, "2026-12-14")  # the day before yellow: nothing yet
    assert _scan(app) == {"yellow": 0, "red": 0}
    _on(frozen_clock, "2026-12-15")  # the third working day before the limit
    assert _scan(app) == {"yellow": 1, "red": 0}
    assert _scan(app) == {"yellow": 0, "red": 0}  # once
    assert _shown(desk, carded)["warning"] == "yellow"
    listed = desk.get(REQUESTS, warning="yellow").get_json()["items"]
    assert [r["id"] for r in listed] == [carded]

    _on(frozen_clock, "2026-12-18")  # the due day itself is still on time
    assert _scan(app) == {"yellow": 0, "red": 0}
    _on(frozen_clock, "2026-12-19")  # Saturday: the due day is over
    assert _scan(app) == {"yellow": 0, "red": 1}
    assert _scan(app) == {"yellow": 0, "red": 0}
    shown = _shown(desk, carded)
    assert shown["warning"] == "red"
    assert [h["action"] for h in shown["history"]][-2:] == ["disclosure.warning.yellow",
                                                            "disclosure.warning.red"]
    assert _cards(session) == [("yellow", "2026-12-18"), ("red", "2026-12-18")]
    assert {str(w.request_id) for w in session.scalars(select(DisclosureWarning))} == {carded}
    # Waiting for the requester and answered: no card shown, none raised, nothing audited.
    assert _shown(desk, waiting)["warning"] is None
    assert _shown(desk, answered)["warning"] is None
    records = session.scalars(select(AuditRecord).where(
        AuditRecord.action.in_(list(ACTIONS.values()))).order_by(AuditRecord.at)).all()
    assert [(r.target_type, r.target_id, r.actor, r.center) for r in records] == [
        ("disclosure_request", carded, WARNINGS_ACTOR.username, "district")] * 2
    assert records[1].after == {"number": shown["number"], "level": "red",
                                "due_on": "2026-12-18"}


def test_an_extended_request_earns_its_cards_again_for_its_new_due_day(
        desk, app, session, frozen_clock):
    request_id = desk.registered(received_on="2026-11-20")["id"]  # due 18 December
    _on(frozen_clock, "2026-12-15")
    assert _scan(app) == {"yellow": 1, "red": 0}
    extended = desk.acted(request_id, "extend", desk.chief, reason="需征求第三方意见")
    # 20 more working days, into January 2027 (not yet published: provisional).
    due, yellow = extended["due_on"], extended["yellow_on"]
    assert due > "2027-01-01" and yellow < due and extended["warning"] is None
    assert _scan(app) == {"yellow": 0, "red": 0}
    _on(frozen_clock, "2026-12-19")  # past the old due day, not the new one
    assert _scan(app) == {"yellow": 0, "red": 0}
    assert _shown(desk, request_id)["warning"] is None
    _on(frozen_clock, yellow)
    assert _scan(app) == {"yellow": 1, "red": 0}
    assert _shown(desk, request_id)["warning"] == "yellow"
    _on(frozen_clock, (dt.date.fromisoformat(due) + dt.timedelta(days=1)).isoformat())
    assert _scan(app) == {"yellow": 0, "red": 1}
    assert _scan(app) == {"yellow": 0, "red": 0}
    assert _cards(session, request_id) == [("yellow", "2026-12-18"), ("yellow", due),
                                           ("red", due)]


def test_a_supplemented_request_stops_being_carded_and_earns_cards_again(desk, app, session,
                                                                         frozen_clock):
    # A paper request entered late, already past its limit: both cards at once, as the
    # task of the beat raises them.
    request_id = desk.registered(received_on="2026-10-26")["id"]  # due 23 November
    scan = app.extensions["celery"].tasks["disclosure.scan_warnings"]
    assert scan.apply().get() == {"yellow": 1, "red": 1}
    # It had in fact been sent back for completion within the 7 working days.
    desk.acted(request_id, "supplement", reason="申请内容不明确", on="2026-10-30")
    assert scan.apply().get() == {"yellow": 0, "red": 0}
    again = desk.acted(request_id, "resubmit", on="2026-11-30")
    assert (again["due_on"], again["yellow_on"]) == ("2026-12-28", "2026-12-23")
    _on(frozen_clock, "2026-12-23")
    assert scan.apply().get() == {"yellow": 1, "red": 0}
    _on(frozen_clock, "2026-12-29")
    assert scan.apply().get() == {"yellow": 0, "red": 1}
    assert _cards(session, request_id) == [("yellow", "2026-11-23"), ("red", "2026-11-23"),
                                           ("yellow", "2026-12-28"), ("red", "2026-12-28")]
    # Answered: carded no more, whatever the clock says.
    desk.acted(request_id, "answer", outcome="disclosed", answered_on="2026-12-29")
    _on(frozen_clock, "2027-03-01")
    assert scan.apply().get() == {"yellow": 0, "red": 0}


def test_the_scan_is_scheduled_and_its_records_are_labelled(app):
    entry = beat_schedule(app.config["HUB_SETTINGS"])["disclosure-scan-warnings"]
    assert entry["task"] == "disclosure.scan_warnings"
    assert entry["task"] in app.extensions["celery"].tasks
    assert [ACTION_LABELS[a] for a in ACTIONS.values()] == ["黄牌预警", "红牌预警"]
    assert WARNINGS_ACTOR.username in SYSTEM_ACTORS
