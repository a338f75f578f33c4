"""The statutory clock of a request for government information: pure functions on the
working-day calendar (``hub.approvals.calendar``), no I/O.

Regulation on Government Information Disclosure (2019): an answer within 20 working
days of receipt, extended once by at most 20 with the approval of the head of the
disclosure office (art. 33); a request unclear in content goes back to the requester
once, within 7 working days of receipt, and the 20 days then count again from the day
the completed request arrives (art. 30). While the office waits for the completed
request, no limit runs. Dates are Asia/Shanghai calendar days; the day of receipt
itself never counts.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from hub.approvals.calendar import WorkingCalendar

ANSWER_DAYS = 20
EXTENSION_DAYS = 20
SUPPLEMENT_WINDOW_DAYS = 7
# Yellow from the third working day before the limit: a written answer still has to be
# drafted, reviewed and sealed, so one day's warning (the cases' default) comes too late.
YELLOW_DAYS = 3


@dataclasses.dataclass(frozen=True)
class Limit:
    """When the answer is due (None while the office waits for a completed request),
    from when the request shows yellow, and whether the limit crosses a year whose
    official schedule is not yet published."""

    due_on: dt.date | None
    yellow_on: dt.date | None
    provisional: bool = False


WAITING = Limit(None, None, False)


def answer_limit(cal: WorkingCalendar, received_on: dt.date, *,
                 resubmitted_on: dt.date | None = None, extended: bool = False,
                 waiting: bool = False) -> Limit:
    """The limit of a request received on ``received_on``: 20 working days from
    receipt, or from the completed request's arrival after a supplement request; 20 more
    once extended; none while waiting for the requester."""
    if waiting:
        return WAITING
    start = resubmitted_on or received_on
    days = ANSWER_DAYS + (EXTENSION_DAYS if extended else 0)
    due = cal.add_working_days(start, days)
    return Limit(due_on=due, yellow_on=cal.add_working_days(start, days - YELLOW_DAYS),
                 provisional=cal.is_provisional_span(start, due))


def supplement_deadline(cal: WorkingCalendar, received_on: dt.date) -> dt.date:
    """The last day on which the office may send the request back for completion."""
    return cal.add_working_days(received_on, SUPPLEMENT_WINDOW_DAYS)


def supplement_possible(cal: WorkingCalendar, received_on: dt.date, on: dt.date) -> bool:
    """Whether a supplement request sent on ``on`` is within the window (art. 30)."""
    return on <= supplement_deadline(cal, received_on)


def warning(limit: Limit, today: dt.date) -> str | None:
    """``red`` past the due day, ``yellow`` from ``yellow_on``, else None."""
    if limit.due_on is None or limit.yellow_on is None:
        return None
    if today > limit.due_on:
        return "red"
    if today >= limit.yellow_on:
        return "yellow"
    return None


def answered_on_time(due_on: dt.date | None, answered_on: dt.date) -> bool:
    """On time when answered by the end of the due day; an answer while the office was
    waiting for the requester (no limit running) is on time."""
    return due_on is None or answered_on <= due_on


__all__ = ["ANSWER_DAYS", "EXTENSION_DAYS", "Limit", "SUPPLEMENT_WINDOW_DAYS", "WAITING",
           "YELLOW_DAYS", "answer_limit", "answered_on_time", "supplement_deadline",
           "supplement_possible", "warning"]
