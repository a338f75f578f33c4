"""The warnings list's "days overdue" on the working-day calendar (no I/O)."""
from __future__ import annotations

import datetime as dt

from hub.approvals.calendar import WorkingCalendar
from hub.supervision.watchlist import Filters, overdue_since

CAL = WorkingCalendar(holidays=frozenset({dt.date(2026, 12, 25)}), workdays=frozenset(),
                      official_years=frozenset({2026}))


def test_days_overdue_count_working_days_after_the_due_day() -> None:
    friday = dt.date(2026, 12, 4)
    # One working day late on Friday: due Thursday or earlier.
    assert overdue_since(CAL, friday, 1) == dt.date(2026, 12, 3)
    # Five (Mon 30 Nov – Fri 4 Dec): due Sunday 29 November or earlier; the weekend
    # before Monday adds no working day, so a case due on Friday 27th is as late.
    assert overdue_since(CAL, friday, 5) == dt.date(2026, 11, 29)
    assert CAL.working_days_between(dt.date(2026, 11, 27), friday) == 5
    assert CAL.working_days_between(dt.date(2026, 11, 30), friday) == 4
    # A holiday counts no more than a weekend: on Monday 28 December, one working day
    # late is due Sunday 27th or earlier, Thursday 24th too (Friday 25th is off).
    assert overdue_since(CAL, dt.date(2026, 12, 28), 1) == dt.date(2026, 12, 27)
    assert CAL.working_days_between(dt.date(2026, 12, 24), dt.date(2026, 12, 28)) == 1


def test_filters_round_trip_as_query_arguments() -> None:
    assert Filters().query_args() == {}
    assert Filters("binhe", None, "red", 3).query_args() == {"center": "binhe", "level": "red",
                                                             "days": 3}
