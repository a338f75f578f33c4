"""The call center's figures: the "three rates" by which Beijing's 12345 hotline ranks its
streets every month (响应率, 解决率, 满意率), and the satisfaction figures of ratings
(好差评). Pure formulas on plain rows, each with its numerator, denominator and clock.

Clock: instants are stored in UTC; a ticket belongs to the Asia/Shanghai *date* of its
receipt (``received_at``), a rating to the date it was given (``rated_at``). A period
``from``–``to`` is inclusive at both ends. The citizens' tickets are counted here
(consultations, complaints, suggestions); rectifications, the hub's own tickets after a
bad rating, are counted with the ratings.

Per center, over the tickets received in the period:

- ``received``: tickets received.
- ``responded``: of those, with a first action (assign, transfer or reply) by the end of
  the first working day after receipt (``respond_by``, the last second counting).
  ``response_rate`` = responded / received.
- ``answered_on_time``: of those, answered now (answered or closed) and answered on or
  before ``due_at`` (a reopened ticket's latest answer against its latest due date).
- ``resolved``: of those, closed after a callback (回访) that found the caller satisfied.
  ``resolution_rate`` = resolved / those whose latest callback found the caller satisfied
  or unsatisfied (callers who could not be reached are left out).
- ``overdue``: tickets awaiting an answer whose ``due_at`` lies in the period and has
  passed when asked (as applications' ``overdue``).
- ``satisfaction_rate`` = ticket ratings of levels 3–5 / ticket ratings, over the ratings
  of the center's tickets given in the period (excluded on appeal: left out).

Every rate is null when its denominator is 0. ``score`` weighs the three rates as the
12345 assessment does (response 10 %, resolution 45 %, satisfaction 45 %), over the rates
that exist; the streets are ranked on it (``indicators.rank``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping

from hub.approvals import cards
from hub.supervision.indicators import local_date, on_time, rate

AWAITING_ANSWER = frozenset({"open", "assigned", "reopened"})
ANSWERED = frozenset({"answered", "closed"})
SATISFIED_FROM = 3  # levels 3–5 are satisfied, 1–2 bad
THREE_RATE_WEIGHTS = {"response_rate": 0.10, "resolution_rate": 0.45, "satisfaction_rate": 0.45}


@dataclasses.dataclass(frozen=True)
class TicketFacts:
    """What the formulas read of a ticket."""

    received_at: dt.datetime
    status: str
    respond_by: dt.datetime
    due_at: dt.datetime
    first_action_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    outcome: str | None = None  # the latest callback's
    yellow_at: dt.datetime | None = None


@dataclasses.dataclass
class TicketTally:
    received: int = 0
    responded: int = 0
    answered_on_time: int = 0
    overdue: int = 0
    resolved: int = 0
    called_back: int = 0  # latest callback satisfied or unsatisfied
    ratings: int = 0
    satisfied_ratings: int = 0


def _within(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def tally_tickets(tickets: Iterable[TicketFacts], rating_levels: Iterable[int],
                  now: dt.datetime, start: dt.date | None = None,
                  end: dt.date | None = None) -> TicketTally:
    """The counts behind one center's row (see the module's definitions). ``rating_levels``
    are the levels of the ratings of its tickets given in the period, appeals excluded."""
    t = TicketTally()
    for ticket in tickets:
        if ticket.status in AWAITING_ANSWER and _within(local_date(ticket.due_at), start, end) \
                and cards.card(now, ticket.due_at, ticket.yellow_at) == cards.RED:
            t.overdue += 1
        if not _within(local_date(ticket.received_at), start, end):
            continue
        t.received += 1
        t.responded += ticket.first_action_at is not None \
            and on_time(ticket.first_action_at, ticket.respond_by)
        t.answered_on_time += ticket.status in ANSWERED and ticket.answered_at is not None \
            and on_time(ticket.answered_at, ticket.due_at)
        t.resolved += ticket.status == "closed" and ticket.outcome == "satisfied"
        t.called_back += ticket.outcome in ("satisfied", "unsatisfied")
    for level in rating_levels:
        t.ratings += 1
        t.satisfied_ratings += level >= SATISFIED_FROM
    return t


def score(rates: Mapping[str, float | None]) -> float | None:
    """The three rates weighed as the 12345 assessment does, over those that exist
    (weights renormalised); None when none does."""
    present = {k: w for k, w in THREE_RATE_WEIGHTS.items() if rates.get(k) is not None}
    total = sum(present.values())
    if not total:
        return None
    return round(sum(float(rates[k]) * w for k, w in present.items()) / total, 4)  # type: ignore[arg-type]


def ticket_figures(t: TicketTally) -> dict[str, float | int | None]:
    """The published row (see the module's definitions)."""
    row: dict[str, float | int | None] = {
        "received": t.received, "responded": t.responded,
        "response_rate": rate(t.responded, t.received),
        "answered_on_time": t.answered_on_time, "overdue": t.overdue, "resolved": t.resolved,
        "resolution_rate": rate(t.resolved, t.called_back),
        "ratings": t.ratings, "satisfaction_rate": rate(t.satisfied_ratings, t.ratings),
    }
    row["score"] = score(row)  # type: ignore[arg-type]
    return row


# -- Ratings (好差评) -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RatingFacts:
    """What the formulas read of a rating and of its rectification ticket, if any."""

    level: int
    excluded: bool = False
    rectification_status: str | None = None
    rectification_closed_at: dt.datetime | None = None
    rectification_due_at: dt.datetime | None = None
    rectification_yellow_at: dt.datetime | None = None


@dataclasses.dataclass
class RatingTally:
    ratings: int = 0
    satisfied: int = 0
    bad: int = 0
    rectified: int = 0
    rectified_on_time: int = 0
    rectifications_overdue: int = 0
    excluded: int = 0


def tally_ratings(ratings: Iterable[RatingFacts], now: dt.datetime) -> RatingTally:
    """The counts behind one row of satisfaction figures, over the ratings given in the
    period: those excluded on appeal are only counted as ``excluded``."""
    t = RatingTally()
    for r in ratings:
        if r.excluded:
            t.excluded += 1
            continue
        t.ratings += 1
        if r.level >= SATISFIED_FROM:
            t.satisfied += 1
            continue
        t.bad += 1
        if r.rectification_status == "closed" and r.rectification_closed_at is not None:
            t.rectified += 1
            t.rectified_on_time += r.rectification_due_at is not None and on_time(
                r.rectification_closed_at, r.rectification_due_at)
        elif r.rectification_status in AWAITING_ANSWER and r.rectification_due_at is not None \
                and cards.card(now, r.rectification_due_at, r.rectification_yellow_at) \
                == cards.RED:
            t.rectifications_overdue += 1
    return t


def rating_figures(t: RatingTally) -> dict[str, float | int | None]:
    """- ``ratings``: ratings given in the period (excluded on appeal: left out);
    - ``satisfied``: of those, levels 3–5; ``satisfaction_rate`` = satisfied / ratings;
    - ``bad``: levels 1–2; ``rectified``: bad ones whose rectification ticket is closed;
      ``rectified_on_time``: of those, closed on or before its due date;
      ``rectifications_overdue``: bad ones whose rectification awaits its answer past due;
    - ``excluded``: ratings of the period left out on appeal."""
    return {"ratings": t.ratings, "satisfied": t.satisfied,
            "satisfaction_rate": rate(t.satisfied, t.ratings), "bad": t.bad,
            "rectified": t.rectified, "rectified_on_time": t.rectified_on_time,
            "rectifications_overdue": t.rectifications_overdue, "excluded": t.excluded}


__all__ = ["RatingFacts", "RatingTally", "THREE_RATE_WEIGHTS", "TicketFacts", "TicketTally",
           "rating_figures", "score", "tally_ratings", "tally_tickets", "ticket_figures"]
