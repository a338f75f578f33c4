"""The call center's official figures from SQL: the three rates per center and the
satisfaction figures per center and per department, with the streets ranked. The rows
are read here; the formulas (and their definitions) are in ``callcenter``."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from hub.directory.models import Center, Department
from hub.ratings.models import Rating
from hub.supervision import callcenter as cc
from hub.supervision.indicators import rank
from hub.supervision.services import in_instants
from hub.tickets.models import Ticket

STREET = "street"
CITIZENS_KINDS = ("consultation", "complaint", "suggestion")


def _centers(session: Session) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(Center.code, Center.name, Center.level).order_by(Center.position, Center.code))]


def ticket_figures(session: Session, now: dt.datetime, start: dt.date | None = None,
                   end: dt.date | None = None) -> list[dict[str, Any]]:
    """One row per center (the district first): ``center, name, level``, the three rates'
    counts and rates, ``score`` and, for the streets, ``rank`` by score."""
    facts: dict[str, list[cc.TicketFacts]] = defaultdict(list)
    rows = session.execute(
        select(Ticket.center_code, Ticket.received_at, Ticket.status, Ticket.respond_by,
               Ticket.due_at, Ticket.first_action_at, Ticket.answered_at, Ticket.outcome,
               Ticket.yellow_at)
        .where(Ticket.kind.in_(CITIZENS_KINDS),
               or_(in_instants(Ticket.received_at, start, end),
                   and_(Ticket.status.in_(cc.AWAITING_ANSWER),
                        in_instants(Ticket.due_at, start, end)))))
    for center, *values in rows:
        facts[center].append(cc.TicketFacts(*values))
    levels: dict[str, list[int]] = defaultdict(list)
    for center, level in session.execute(
            select(Rating.center_code, Rating.level)
            .where(Rating.ticket_id.is_not(None), Rating.excluded.is_(False),
                   in_instants(Rating.rated_at, start, end))):
        levels[center].append(level)
    result = [{"center": code, "name": name, "level": level,
               **cc.ticket_figures(cc.tally_tickets(facts.get(code, []), levels.get(code, []),
                                                    now, start, end))}
              for code, name, level in _centers(session)]
    ranks = {r["center"]: r["rank"] for r in rank(
        [r for r in result if r["level"] == STREET], key="score")}
    return [{**row, "rank": ranks.get(row["center"])} for row in result]


def _rating_facts(session: Session, key: Any, start: dt.date | None,
                  end: dt.date | None) -> dict[str | None, list[cc.RatingFacts]]:
    fix = aliased(Ticket)
    facts: dict[str | None, list[cc.RatingFacts]] = defaultdict(list)
    for code, *values in session.execute(
            select(key, Rating.level, Rating.excluded, fix.status, fix.closed_at, fix.due_at,
                   fix.yellow_at)
            .outerjoin(fix, fix.id == Rating.rectification_ticket_id)
            .where(in_instants(Rating.rated_at, start, end))):
        facts[code].append(cc.RatingFacts(*values))
    return facts


def rating_figures(session: Session, now: dt.datetime, start: dt.date | None = None,
                   end: dt.date | None = None) -> list[dict[str, Any]]:
    """Satisfaction per center (cases and tickets alike): ``center, name, level``, the
    counts and ``satisfaction_rate``, and for the streets ``rank`` by it."""
    facts = _rating_facts(session, Rating.center_code, start, end)
    result = [{"center": code, "name": name, "level": level,
               **cc.rating_figures(cc.tally_ratings(facts.get(code, []), now))}
              for code, name, level in _centers(session)]
    ranks = {r["center"]: r["rank"] for r in rank(
        [r for r in result if r["level"] == STREET], key="satisfaction_rate")}
    return [{**row, "rank": ranks.get(row["center"])} for row in result]


def department_rating_figures(session: Session, now: dt.datetime, start: dt.date | None = None,
                              end: dt.date | None = None) -> list[dict[str, Any]]:
    """Satisfaction per department: the ratings of the tickets it answered and of the cases
    it concluded."""
    facts = _rating_facts(session, Rating.department_code, start, end)
    departments = session.execute(select(Department.code, Department.name)
                                  .order_by(Department.code)).all()
    return [{"department": code, "name": name,
             **cc.rating_figures(cc.tally_ratings(facts.get(code, []), now))}
            for code, name in departments]


def satisfaction_ranking(session: Session, now: dt.datetime, start: dt.date | None = None,
                         end: dt.date | None = None) -> list[dict[str, Any]]:
    """The fifteen streets by satisfaction rate, best first (unrated ones last)."""
    rows = [r for r in rating_figures(session, now, start, end) if r["level"] == STREET]
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0))


def satisfaction_rates(session: Session, now: dt.datetime, start: dt.date | None = None,
                       end: dt.date | None = None) -> dict[str, float | None]:
    """{center: satisfaction rate} over the period, for the composite score (综合评分);
    None for a center nobody rated."""
    return {r["center"]: r["satisfaction_rate"]
            for r in rating_figures(session, now, start, end)}


__all__ = ["department_rating_figures", "rating_figures", "satisfaction_ranking",
           "satisfaction_rates", "ticket_figures"]
