"""The injectable clock: every "now" in the hub comes from here, so tests never sleep."""
from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

UTC = dt.timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that moves only when told to (tests, the demo's simulated week)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        with self._lock:
            self._now += delta
            return self._now


SYSTEM_CLOCK = Clock()


def now() -> dt.datetime:
    """Now, in UTC, from the application's clock when there is an application."""
    if has_app_context():
        return current_app.extensions.get("hub.clock", SYSTEM_CLOCK).now()
    return SYSTEM_CLOCK.now()


def local(moment: dt.datetime) -> dt.datetime:
    """The same instant shown in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI)
