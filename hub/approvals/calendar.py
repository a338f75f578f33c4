"""The Chinese working-day calendar and due dates: pure functions on plain data, no I/O.

A year is *official* when its schedule (public holidays and make-up working days,
调休上班) has been published and loaded; any other year is *provisional*: weekends
and the statutory holidays computed here from the solar and lunar calendars, without
the make-up days (they are only known once announced).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math

from lunardate import LunarDate

from hub.timezones import SHANGHAI

END_OF_DAY = dt.time(23, 59, 59)
# The years this calendar can count in: the lunar tables (lunardate) end with 2099.
FIRST_YEAR, LAST_YEAR = 2000, 2099


@dataclasses.dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[dt.date]  # public holidays (statutory + official schedule)
    workdays: frozenset[dt.date]  # make-up working days (调休上班) falling on weekends
    official_years: frozenset[int]  # years whose official schedule is known; others provisional

    def is_provisional(self, day: dt.date) -> bool:
        """True when ``day``'s year has no published schedule yet."""
        return day.year not in self.official_years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day.weekday() >= 5 or day in self.holidays:
            return False
        if self.is_provisional(day):
            return day not in statutory_holidays(day.year)
        return True

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (``start`` itself never counts); n >= 0,
        n == 0 gives ``start``."""
        if n < 0:
            raise ValueError("n must not be negative")
        day, left = start, n
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def is_provisional_span(self, start: dt.date, due: dt.date) -> bool:
        """True when a limit counted from ``start`` to ``due`` (the days (start, due])
        crosses a year whose official schedule is not yet known."""
        first = min(start + dt.timedelta(days=1), due)
        return any(year not in self.official_years for year in range(first.year, due.year + 1))

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; 0 when ``end`` is not after ``start``."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 Asia/Shanghai of ``day``, as UTC."""
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI).astimezone(dt.timezone.utc)


def local_date(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar date of an instant."""
    return moment.astimezone(SHANGHAI).date()


def deadline(cal: WorkingCalendar, accepted_at: dt.datetime, days: int) -> tuple[dt.datetime, bool]:
    """End of the ``days``-th working day after the day of acceptance (23:59:59
    Asia/Shanghai, as UTC), and whether it is provisional: True when any day counted
    lies in a year whose official schedule is not yet known."""
    start = local_date(accepted_at)
    due = cal.add_working_days(start, days)
    return end_of_day(due), cal.is_provisional_span(start, due)


# -- Statutory holidays of a year whose schedule is not yet published --------------------

def qingming(year: int) -> dt.date:
    """The Qingming solar term (清明), by the standard 寿星 formula [Y·D + C] − L
    (D = 0.2422, C = 4.81 for 2001–2100 and 5.59 for 1901–2000, L = the leap years
    since the century began)."""
    if not 1901 <= year <= 2100:
        raise ValueError("the Qingming formula holds for 1901–2100")
    y = year % 100
    c = 4.81 if year > 2000 else 5.59
    if year == 2000:
        y, c = 100, 5.59  # 2000 is the last year of the 20th-century constants
    day = math.floor(y * 0.2422 + c) - y // 4
    return dt.date(year, 4, day)


def _lunar(year: int, month: int, day: int) -> dt.date:
    return LunarDate(year, month, day).to_solar_date()


@functools.lru_cache(maxsize=256)
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """The statutory public holidays of ``year`` under the rules in force since 2025:
    New Year's Day (1 day), the Spring Festival from its eve (4 days), Qingming (1),
    Labour Day (1–2 May), the Dragon Boat festival (1), Mid-Autumn (1), National Day
    (1–3 October). Without the weekends bridged by make-up days: those are announced."""
    days: set[dt.date] = {dt.date(year, 1, 1), dt.date(year, 5, 1), dt.date(year, 5, 2)}
    days.update(dt.date(year, 10, d) for d in (1, 2, 3))
    new_year = _lunar(year, 1, 1)
    # The eve is the day before the first of the first month: the twelfth month may
    # have only 29 days, so "12/30" would not always exist.
    days.update(new_year + dt.timedelta(days=offset) for offset in (-1, 0, 1, 2))
    days.add(qingming(year))
    days.add(_lunar(year, 5, 5))
    days.add(_lunar(year, 8, 15))
    return frozenset(days)


def provisional_calendar_days(year: int) -> list[dt.date]:
    """The holidays a provisional year is computed with, sorted (for the calendar API)."""
    return sorted(statutory_holidays(year))


__all__ = ["WorkingCalendar", "deadline", "end_of_day", "local_date", "qingming",
           "statutory_holidays", "provisional_calendar_days"]
