"""The working-day calendar and due dates, on the real 2025–2026 schedules of the
``chinese-calendar`` package and on provisional years."""
from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from chinese_calendar import constants

from hub.approvals.calendar import (
    WorkingCalendar,
    deadline,
    end_of_day,
    local_date,
    qingming,
    statutory_holidays,
)
from hub.timezones import SHANGHAI
from tests.factories import official_calendar as official

D = dt.date


CAL = official(2025, 2026)


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def test_official_years_agree_with_chinese_calendar_day_by_day():
    days = [D(2025, 1, 1) + dt.timedelta(days=n) for n in range(730)]
    assert [CAL.is_working_day(d) for d in days] == [chinese_calendar.is_workday(d) for d in days]
    assert not any(CAL.is_provisional(d) for d in days)


def test_national_day_2026_and_its_make_up_working_day():
    # 1–7 October 2026 off; Saturday 10 October a make-up working day (调休上班).
    assert [CAL.is_working_day(D(2026, 10, d)) for d in range(1, 11)] == \
        [False] * 7 + [True, True, True]
    assert D(2026, 10, 10).weekday() == 5
    # Accepted on Wednesday 30 September: day 1 is 8 October, day 3 the Saturday 10th.
    due, provisional = deadline(CAL, at(2026, 9, 30), 3)
    assert due == end_of_day(D(2026, 10, 10)) and not provisional
    assert due.astimezone(SHANGHAI).time() == dt.time(23, 59, 59)


def test_add_working_days_counts_after_the_start_day():
    assert CAL.add_working_days(D(2026, 11, 30), 0) == D(2026, 11, 30)
    assert CAL.add_working_days(D(2026, 11, 30), 1) == D(2026, 12, 1)
    assert CAL.add_working_days(D(2026, 12, 4), 1) == D(2026, 12, 7)  # Friday → Monday
    assert CAL.add_working_days(D(2026, 12, 5), 1) == D(2026, 12, 7)  # accepted on a Saturday
    with pytest.raises(ValueError):
        CAL.add_working_days(D(2026, 12, 5), -1)


def test_working_days_between_is_half_open():
    assert CAL.working_days_between(D(2026, 11, 30), D(2026, 11, 30)) == 0
    assert CAL.working_days_between(D(2026, 11, 30), D(2026, 12, 7)) == 5
    assert CAL.working_days_between(D(2026, 12, 7), D(2026, 11, 30)) == 0
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3


def test_deadline_into_an_unpublished_year_is_provisional():
    due, provisional = deadline(CAL, at(2026, 12, 21), 10)
    # 22–25, 28–31 December (8), then 1 January 2027 is a holiday: 4 and 5 January.
    assert due == end_of_day(D(2027, 1, 5)) and provisional
    due, provisional = deadline(CAL, at(2026, 12, 21), 8)
    assert due == end_of_day(D(2026, 12, 31)) and not provisional


def test_acceptance_late_in_the_evening_counts_from_the_local_day():
    # 23:30 on 30 November in the hall is 15:30 UTC the same day; 00:30 on 1 December
    # is still 30 November in UTC: the local day decides.
    assert local_date(at(2026, 12, 1, 0).replace(minute=30)) == D(2026, 12, 1)
    assert deadline(CAL, at(2026, 12, 1, 0), 1)[0] == end_of_day(D(2026, 12, 2))


@pytest.mark.parametrize("year", [2025, 2026])
def test_provisional_rule_reproduces_the_statutory_holidays(year):
    # Every computed statutory day is a holiday of the published schedule, and each
    # festival is there by name (make-up days and bridged weekends are announced).
    published = {d for d in constants.holidays if d.year == year}
    computed = statutory_holidays(year)
    assert computed <= published
    names = {chinese_calendar.get_holiday_detail(d)[1] for d in computed}
    assert names == {"New Year's Day", "Spring Festival", "Tomb-sweeping Day", "Labour Day",
                     "Dragon Boat Festival", "Mid-autumn Festival", "National Day"}
    assert len(computed) == 13


def test_provisional_2027():
    holidays = statutory_holidays(2027)
    # Lunar new year 2027 is 6 February: the eve is 5 February.
    assert {D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)} <= holidays
    assert {D(2027, 1, 1), D(2027, 4, 5), D(2027, 5, 1), D(2027, 5, 2), D(2027, 6, 9),
            D(2027, 9, 15), D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)} <= holidays
    assert len(holidays) == 13
    assert not CAL.is_working_day(D(2027, 2, 8)) and CAL.is_provisional(D(2027, 2, 8))
    assert CAL.is_working_day(D(2027, 2, 9))


def test_spring_festival_eve_after_a_29_day_twelfth_month():
    # In lunar year 2024 the twelfth month has 29 days: the eve of 2025's Spring
    # Festival is 28 January (12/29), there is no 12/30.
    assert D(2025, 1, 28) in statutory_holidays(2025)
    assert D(2025, 1, 27) not in statutory_holidays(2025)


def test_qingming_formula_agrees_with_the_solar_terms():
    terms = chinese_calendar.get_solar_terms(D(1901, 1, 1), D(2100, 12, 31))
    qingmings = {d.year: d for d, name in terms if name == "清明"}
    assert len(qingmings) == 200
    assert {y: qingming(y) for y in qingmings} == qingmings


def test_make_up_working_day_counts_even_when_provisional_rules_would_not():
    cal = WorkingCalendar(holidays=frozenset(), workdays=frozenset({D(2027, 2, 20)}),
                          official_years=frozenset())
    assert cal.is_working_day(D(2027, 2, 20))


def test_the_packaged_schedules_end_with_2026():
    # The tests take 2027 as the first provisional year (setup.cfg pins the release of
    # chinese-calendar for it). A release that knows 2027 makes this fail first: move
    # the tests' provisional year on with it, then the pin.
    from hub.approvals.calendar_services import package_schedule

    assert max(package_schedule()) == 2026
