"""Tickets' due dates over time: the yellow and red cards raised as tickets awaiting an
answer cross their thresholds, and the due dates recomputed when a year's working-day
schedule is published. Bounded batches, one transaction each, as for cases."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.approvals.calendar import end_of_day
from hub.approvals.calendar_services import load_calendar
from hub.approvals.deadlines import ScanReport, scan_levels
from hub.approvals.queries import card_reached
from hub.db import upsert
from hub.permissions import Principal
from hub.tickets import lifecycle as lc
from hub.tickets.models import Ticket, TicketWarning
from hub.tickets.services import TARGET, load_ticket, plain, summary, write

WARNINGS_ACTOR = Principal.system("beat:ticket-warnings")
CALENDAR_ACTOR = Principal.system("calendar:recompute")


def _key(ticket_id: Any, due_at: dt.datetime, level: str) -> str:
    # Per due date: a reopened ticket is due again and earns its cards again.
    return f"{ticket_id}:{int(due_at.timestamp())}:{level}"


def _candidates(now: dt.datetime, level: str, limit: int) -> Select[Any]:
    warned = exists().where(TicketWarning.ticket_id == Ticket.id,
                            TicketWarning.level == level, TicketWarning.due_at == Ticket.due_at)
    return (select(Ticket.id, Ticket.center_code, Ticket.department_code, Ticket.due_at)
            .where(Ticket.status.in_(lc.AWAITING_ANSWER),
                   card_reached(level, now, Ticket.due_at, Ticket.yellow_at), ~warned)
            .order_by(Ticket.due_at).limit(limit))


def _raise(session: Session, now: dt.datetime, level: str, ticket_id: Any, center: str,
           department: str | None, due_at: dt.datetime) -> bool:
    raised = session.execute(
        upsert(session, TicketWarning)
        .values(ticket_id=ticket_id, center_code=center, department_code=department,
                level=level, due_at=due_at, raised_at=now, dedupe_key=_key(ticket_id, due_at, level))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(TicketWarning.id)).scalar_one_or_none()
    if raised is None:  # another scan raised it meanwhile
        return False
    audit.record(session, WARNINGS_ACTOR, f"ticket.warning.{level}", target_type=TARGET,
                 target_id=ticket_id, center=center,
                 after={"level": level, "department": department, "due_at": due_at})
    return True


def scan_warnings(session: Session, *, batch: int = 500) -> ScanReport:
    """Record the card of every ticket awaiting an answer that crossed a threshold since
    the last scan: one row per level and due date, audited. Commits once per batch."""
    return scan_levels(session, _candidates, _raise, batch)


def recompute_deadlines(session: Session, year: int, *, batch: int = 200) -> int:
    """Recompute the due dates of tickets not closed that reach into ``year`` (its schedule
    was just published), a batch per transaction, each change audited. Safe to run
    again. Returns the number of tickets changed."""
    start = end_of_day(dt.date(year - 1, 12, 31))
    changed, last = 0, None
    while True:
        stmt = (select(Ticket.id).where(Ticket.status != lc.CLOSED, Ticket.due_at > start)
                .order_by(Ticket.id).limit(batch))
        if last is not None:
            stmt = stmt.where(Ticket.id > last)
        ids = session.scalars(stmt).all()
        if not ids:
            return changed
        cal = load_calendar(session)
        for ticket_id in ids:
            row = load_ticket(session, ticket_id, lock=True)
            before = plain(row)
            after = lc.recompute(before, cal=cal)
            if after.deadline == before.deadline and after.respond_by == before.respond_by:
                continue
            old = summary(row)
            write(row, after, clock.now())
            audit.record(session, CALENDAR_ACTOR, "ticket.deadline_recomputed",
                         target_type=TARGET, target_id=row.id, center=row.center_code,
                         before={"due_at": old["due_at"],
                                 "due_at_provisional": old["due_at_provisional"]},
                         after={"due_at": row.due_at,
                                "due_at_provisional": row.due_at_provisional,
                                "calendar_year": year})
            changed += 1
        session.commit()
        last = ids[-1]


__all__ = ["recompute_deadlines", "scan_warnings"]
