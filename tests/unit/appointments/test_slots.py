"""The booking rules of hub/appointments/slots.py, without I/O: half-day slots of working
days only (weekends, holidays and make-up working days as the official 2026 schedule has
them; a provisional year on its computed statutory holidays), from now to the horizon,
a slot bookable until it begins; and an item's places in a half-day (the sum over the
windows handling it, hub.hall.services.capacity, given the windows without a database)."""
from __future__ import annotations

import datetime as dt
import types

import pytest

from hub.appointments import slots
from hub.appointments.slots import (
    HORIZON_DAYS,
    SlotRefused,
    SlotTime,
    bookable_days,
    check_day,
    check_slot,
    open_slots,
)
from hub.hall.services import capacity
from hub.timezones import SHANGHAI
from tests.factories import official_calendar

D = dt.date
CAL = official_calendar(2026)  # 2027 is provisional: its schedule is not published
MONDAY = D(2026, 11, 30)


def at(day: dt.date, hour: int = 9, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


def refusal(check, *args) -> tuple[str, str]:
    with pytest.raises(SlotRefused) as raised:
        check(*args)
    return raised.value.field, raised.value.message


def test_a_slot_is_a_half_day_in_the_hall():
    assert slots.SLOTS == ("am", "pm")
    assert slots.SLOT_LABELS == {"am": "上午", "pm": "下午"}
    morning, afternoon = SlotTime(MONDAY, "am"), SlotTime(MONDAY, "pm")
    assert (morning.starts_at, morning.ends_at) == (at(MONDAY, 8, 30), at(MONDAY, 11, 30))
    assert (afternoon.starts_at, afternoon.ends_at) == (at(MONDAY, 13), at(MONDAY, 17))
    # Hall time, whatever the zone of the instant it is compared with.
    assert morning.starts_at == dt.datetime(2026, 11, 30, 0, 30, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("day", [
    D(2026, 12, 5), D(2026, 12, 6),  # a weekend
    D(2026, 10, 1), D(2026, 10, 5), D(2026, 10, 7),  # National Day, Thursday to Wednesday
])
def test_weekends_and_holidays_are_refused(day):
    now = at(D(2026, 9, 28)) if day.month == 10 else at(MONDAY)
    assert refusal(check_day, CAL, now, day) == (
        "date", "该日不是工作日（周末或法定节假日），请选择工作日")


def test_a_make_up_working_day_on_a_saturday_can_be_booked():
    # Saturday 10 October 2026 is worked (调休上班) in the official schedule.
    saturday = D(2026, 10, 10)
    assert saturday.weekday() == 5
    check_day(CAL, at(D(2026, 9, 28)), saturday)
    check_slot(CAL, at(D(2026, 9, 28)), saturday, "am")
    assert saturday in bookable_days(CAL, at(D(2026, 9, 28)))


def test_past_days_and_days_beyond_the_horizon_are_refused():
    now = at(MONDAY)
    assert refusal(check_day, CAL, now, D(2026, 11, 27)) == ("date", "不能预约已经过去的日期")
    check_day(CAL, now, MONDAY)  # today is still a day to book
    last = MONDAY + dt.timedelta(days=HORIZON_DAYS)
    assert HORIZON_DAYS == 30 and last == D(2026, 12, 30) and CAL.is_working_day(last)
    check_day(CAL, now, last)
    assert refusal(check_day, CAL, now, last + dt.timedelta(days=1)) == (
        "date", "只能预约今天起 30 天内的日期")


def test_today_is_the_hall_s_day_not_the_server_s():
    # 17:00 UTC on Monday is 01:00 on Tuesday in Shenyang: Monday has passed.
    late = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.timezone.utc)
    assert refusal(check_day, CAL, late, MONDAY)[0] == "date"
    assert open_slots(late, D(2026, 12, 1)) == ["am", "pm"]


def test_a_slot_can_be_booked_until_it_begins():
    assert open_slots(at(MONDAY, 8, 29, 59), MONDAY) == ["am", "pm"]
    assert open_slots(at(MONDAY, 8, 30), MONDAY) == ["pm"]
    assert open_slots(at(MONDAY, 12, 59, 59), MONDAY) == ["pm"]
    assert open_slots(at(MONDAY, 13), MONDAY) == []
    assert open_slots(at(MONDAY, 16), D(2026, 12, 1)) == ["am", "pm"]
    check_slot(CAL, at(MONDAY, 8, 29, 59), MONDAY, "am")
    assert refusal(check_slot, CAL, at(MONDAY, 8, 30), MONDAY, "am") == (
        "slot", "该时段已经开始，请选择之后的时段")
    check_slot(CAL, at(MONDAY, 8, 30), MONDAY, "pm")
    assert refusal(check_slot, CAL, at(MONDAY, 13), MONDAY, "pm")[0] == "slot"
    # The day is judged before the slot: a Saturday morning is a wrong date, not slot.
    assert refusal(check_slot, CAL, at(MONDAY), D(2026, 12, 5), "am")[0] == "date"


def test_the_bookable_days_are_the_working_days_to_the_horizon_with_a_slot_left():
    days = bookable_days(CAL, at(MONDAY))
    expected = [MONDAY + dt.timedelta(days=n) for n in range(HORIZON_DAYS + 1)]
    expected = [d for d in expected if d.weekday() < 5]  # no holiday falls in these weeks
    assert days == expected and days[0] == MONDAY and days[-1] == D(2026, 12, 30)
    assert len(days) == 23
    # Once the afternoon has begun, today has nothing left.
    assert bookable_days(CAL, at(MONDAY, 13))[0] == D(2026, 12, 1)
    # Across National Day: none of the seven days off, the make-up Saturday in.
    around = bookable_days(CAL, at(D(2026, 9, 28)), limit=14)
    assert around == [D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 8),
                      D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 12)]
    # A limit beyond the horizon is held to it.
    assert bookable_days(CAL, at(MONDAY), limit=365) == days


def test_a_provisional_year_is_booked_on_its_computed_holidays():
    now = at(D(2026, 12, 28))
    assert CAL.is_provisional(D(2027, 1, 1)) and not CAL.is_provisional(D(2026, 12, 31))
    # New Year's Day 2027, a Friday, is a statutory holiday before any schedule is out.
    assert refusal(check_day, CAL, now, D(2027, 1, 1))[0] == "date"
    check_day(CAL, now, D(2027, 1, 4))  # the Monday after
    days = bookable_days(CAL, now)
    assert D(2027, 1, 1) not in days and D(2026, 12, 31) in days and D(2027, 1, 4) in days
    # The Spring Festival of 2027 from its eve, 5–8 February; no make-up Saturday is
    # assumed for a year whose schedule is not known.
    later = at(D(2027, 1, 25))
    for day in (D(2027, 2, 5), D(2027, 2, 8)):
        assert refusal(check_day, CAL, later, day)[0] == "date"
    check_day(CAL, later, D(2027, 2, 9))
    assert refusal(check_day, CAL, later, D(2027, 2, 20))[0] == "date"  # a Saturday
    # Once 2027's schedule is loaded, it decides instead.
    published = official_calendar(2026, 2027)
    assert not published.is_provisional(D(2027, 2, 9))


# -- Places in a half-day --------------------------------------------------------------------


def window(name: str, items: list[str], places: int) -> types.SimpleNamespace:
    return types.SimpleNamespace(window=name, service_items=items, capacity_per_slot=places)


class Windows:
    """Stands for the session: its one query (a center's windows) answered from a list."""

    def __init__(self, *windows: types.SimpleNamespace) -> None:
        self.windows = list(windows)

    def scalars(self, _statement):
        return iter(self.windows)


def test_an_items_places_are_the_sum_over_the_windows_handling_it():
    hall = Windows(window("A01", ["open-restaurant", "licence-change"], 3),
                   window("A02", ["open-restaurant"], 2),
                   window("A03", ["licence-change"], 4),
                   window("B01", [], 10))
    assert capacity(hall, "binhe", "open-restaurant") == 5
    assert capacity(hall, "binhe", "licence-change") == 7
    assert capacity(hall, "binhe", "tree-felling") == 0  # no window handles it: no booking
    assert capacity(Windows(), "binhe", "open-restaurant") == 0
    # A window that handles the item without places adds none.
    assert capacity(Windows(window("A01", ["open-restaurant"], 0)), "binhe",
                    "open-restaurant") == 0
