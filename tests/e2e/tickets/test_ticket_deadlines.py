"""Tickets' due dates on the working-day calendar, over HTTP on SQLite and PostgreSQL:
the cards raised once per level and due date by the scan (audited, the ticket as
target), again after a reopening; a December ticket reaching into the unpublished 2027
is provisional, and recomputed when 2027 is published."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hub.audit.models import AuditRecord
from hub.timezones import SHANGHAI
from hub.tickets.deadlines import scan_warnings
from hub.tickets.models import TicketWarning
from tests.conftest import autocommit_session
from tests.e2e.approvals.test_calendar_api import HOLIDAYS_2027, WORKDAYS_2027
from tests.e2e.tickets.conftest import later


def _scan(app):
    from hub import db as hub_db

    with hub_db.get_database(app).session_scope() as session:
        return scan_warnings(session)


def test_cards_are_raised_once_per_level_and_due_date(cc, app, session):
    ticket = cc.received(kind="consultation")  # due Thursday 3 December
    answered = cc.received(kind="consultation", subject="已答复的")
    cc.acted(answered, "reply", content="已答复")
    assert vars(_scan(app)) == {"yellow": 0, "red": 0}
    later(app, days=2, hours=16)  # Thursday 01:00: one working day or less left
    assert vars(_scan(app)) == {"yellow": 1, "red": 0}
    assert cc.get(ticket["id"]).json["warning"] == "yellow"
    later(app, days=1)  # Friday 01:00: past due
    assert vars(_scan(app)) == {"yellow": 0, "red": 1}
    assert vars(_scan(app)) == {"yellow": 0, "red": 0}  # once
    shown = cc.get(ticket["id"]).json
    assert shown["warning"] == "red" and shown["overdue"] is True
    actions = [h["action"] for h in shown["history"]]
    assert actions[-2:] == ["ticket.warning.yellow", "ticket.warning.red"]
    # Answered late, reopened after the callback: due again, and carded again when late.
    ticket = cc.acted(shown, "reply", content="答复")
    ticket = cc.acted(ticket, "close", outcome="unsatisfied")
    assert ticket["warning"] is None and ticket["due_at"] == "2026-12-09T23:59:59+08:00"
    later(app, days=6)  # Thursday 10 December 01:00: both thresholds crossed since
    assert vars(_scan(app)) == {"yellow": 1, "red": 1}
    rows = session.scalars(select(TicketWarning).order_by(TicketWarning.id)).all()
    assert [(w.level, w.due_at.astimezone(SHANGHAI).date().isoformat()) for w in rows] == [
        ("yellow", "2026-12-03"), ("red", "2026-12-03"), ("yellow", "2026-12-09"),
        ("red", "2026-12-09")]


def test_a_december_ticket_is_recomputed_when_2027_is_published(cc, app, frozen_clock):
    frozen_clock.set(dt.datetime(2026, 12, 21, 10, tzinfo=SHANGHAI))
    ticket = cc.received(kind="suggestion")  # fifteen working days: into January 2027
    assert ticket["due_at_provisional"] is True
    # 22–25, 28–31 December (8), then 4–8 (13), 11 and 12 January (provisionally only
    # New Year's Day off).
    assert ticket["due_at"] == "2027-01-12T23:59:59+08:00"
    published = cc.client.put("/api/v1/calendar/2027",
                              json={"holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027},
                              headers=cc.admin.headers)
    assert published.status_code == 200
    after = cc.get(ticket["id"]).json
    # Officially 1–3 January off (the 3rd a Sunday): the same days count, now official.
    assert after["due_at_provisional"] is False
    assert after["due_at"] == "2027-01-12T23:59:59+08:00"
    session = autocommit_session(app)
    try:
        records = session.scalars(select(AuditRecord).where(
            AuditRecord.target_id == ticket["id"],
            AuditRecord.action == "ticket.deadline_recomputed")).all()
    finally:
        session.close()
    assert len(records) == 1 and records[0].after["calendar_year"] == 2027
