"""Which half-day slots can be booked: pure rules on the working-day calendar, no I/O.

A slot is a half-day of a working day (the hub's calendar: official years as published,
later years provisional with the computed statutory holidays). It can be booked until it
begins, and no further ahead than ``HORIZON_DAYS``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from hub.approvals.calendar import WorkingCalendar
from hub.clock import SHANGHAI

SLOTS = ("am", "pm")
# When each half-day begins and ends in the hall (Asia/Shanghai).
SLOT_TIMES = {"am": (dt.time(8, 30), dt.time(11, 30)), "pm": (dt.time(13, 0), dt.time(17, 0))}
SLOT_LABELS = {"am": "上午", "pm": "下午"}
HORIZON_DAYS = 30


class SlotRefused(ValueError):
    """Why a date or slot cannot be booked, naming the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclasses.dataclass(frozen=True)
class SlotTime:
    day: dt.date
    slot: str

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.day, SLOT_TIMES[self.slot][0], tzinfo=SHANGHAI)

    @property
    def ends_at(self) -> dt.datetime:
        return dt.datetime.combine(self.day, SLOT_TIMES[self.slot][1], tzinfo=SHANGHAI)


def check_day(cal: WorkingCalendar, now: dt.datetime, day: dt.date) -> None:
    """Raise ``SlotRefused`` unless ``day`` is a working day from today to the horizon."""
    today = now.astimezone(SHANGHAI).date()
    if day < today:
        raise SlotRefused("date", "不能预约已经过去的日期")
    if day > today + dt.timedelta(days=HORIZON_DAYS):
        raise SlotRefused("date", f"只能预约今天起 {HORIZON_DAYS} 天内的日期")
    if not cal.is_working_day(day):
        raise SlotRefused("date", "该日不是工作日（周末或法定节假日），请选择工作日")


def check_slot(cal: WorkingCalendar, now: dt.datetime, day: dt.date, slot: str) -> None:
    """Raise ``SlotRefused`` unless the half-day ``slot`` of ``day`` can still be booked."""
    check_day(cal, now, day)
    if now >= SlotTime(day, slot).starts_at:
        raise SlotRefused("slot", "该时段已经开始，请选择之后的时段")


def open_slots(now: dt.datetime, day: dt.date) -> list[str]:
    """The slots of a (checked) day that have not begun at ``now``."""
    return [s for s in SLOTS if now < SlotTime(day, s).starts_at]


def bookable_days(cal: WorkingCalendar, now: dt.datetime, limit: int = HORIZON_DAYS) -> list[dt.date]:
    """The working days from today within the horizon that still have a slot to book."""
    today = now.astimezone(SHANGHAI).date()
    days = []
    for offset in range(0, min(limit, HORIZON_DAYS) + 1):
        day = today + dt.timedelta(days=offset)
        if cal.is_working_day(day) and open_slots(now, day):
            days.append(day)
    return days


__all__ = ["HORIZON_DAYS", "SLOTS", "SLOT_LABELS", "SLOT_TIMES", "SlotRefused", "SlotTime",
           "bookable_days", "check_day", "check_slot", "open_slots"]
