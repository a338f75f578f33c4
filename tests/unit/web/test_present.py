"""Remaining working days and the dashboard's traffic lights."""
import datetime as dt

from hub.approvals.calendar import WorkingCalendar, end_of_day
from hub.timezones import SHANGHAI
from hub.web.present import light, period_presets, remaining_working_days

# Official 2026 days around the New Year: 1 January 2027 is provisional anyway.
CAL = WorkingCalendar(holidays=frozenset({dt.date(2026, 12, 25)}), workdays=frozenset(),
                      official_years=frozenset({2026}))
MONDAY = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)


def test_remaining_working_days_skip_weekends_and_holidays_and_go_negative_when_late():
    assert remaining_working_days(CAL, MONDAY, end_of_day(dt.date(2026, 11, 30))) == 0
    assert remaining_working_days(CAL, MONDAY, end_of_day(dt.date(2026, 12, 4))) == 4
    assert remaining_working_days(CAL, MONDAY, end_of_day(dt.date(2026, 12, 7))) == 5
    # Friday 25 December is a holiday in this calendar.
    assert remaining_working_days(CAL, MONDAY.replace(month=12, day=21), end_of_day(
        dt.date(2026, 12, 28))) == 4
    assert remaining_working_days(CAL, MONDAY, end_of_day(dt.date(2026, 11, 26))) == -2


def test_traffic_lights():
    assert light({"timeliness_rate": 1.0, "red": 0, "yellow": 0}) == "green"
    assert light({"timeliness_rate": 0.97, "red": 0, "yellow": 0}) == "yellow"
    assert light({"timeliness_rate": 1.0, "red": 0, "yellow": 2}) == "yellow"
    assert light({"timeliness_rate": 1.0, "red": 1, "yellow": 0}) == "red"
    assert light({"timeliness_rate": 0.85, "red": 0, "yellow": 0}) == "red"
    assert light({"timeliness_rate": None, "in_progress": 3}) == "green"
    assert light({"timeliness_rate": None, "in_progress": 0, "received": 0}) == "none"
    # All concluded on time, but cases left open past their deadline: not green.
    assert light({"on_time_rate": 1.0, "timeliness_rate": 0.5, "red": 0, "yellow": 0}) == "red"


def test_period_presets_are_whole_calendar_periods():
    presets = {key: (start, end) for key, _label, start, end
               in period_presets(dt.date(2026, 12, 4))}
    assert presets == {"month": (dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
                       "quarter": (dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
                       "year": (dt.date(2026, 1, 1), dt.date(2026, 12, 31))}
    february = {key: (start, end) for key, _label, start, end
                in period_presets(dt.date(2028, 2, 29))}
    assert february["month"] == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert february["quarter"] == (dt.date(2028, 1, 1), dt.date(2028, 3, 31))


def test_a_late_step_of_a_case_still_on_time_turns_the_tile_yellow():
    assert light({"on_time_rate": None, "in_progress": 1, "late_steps": 1}) == "yellow"
    assert light({"on_time_rate": 1.0, "red": 1, "late_steps": 1}) == "red"
