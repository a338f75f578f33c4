"""The injectable clock: every "now" in the hub comes from here, so tests never sleep."""
from __future__ import annotations

import datetime as dt
import threading
import time

from flask import current_app, has_app_context

from hub.timezones import SHANGHAI, UTC


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


class RunningClock(Clock):
    """A clock that starts at a given instant and runs on in real time (the demo once it
    serves: what staff do in the pages comes after the simulated week)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("RunningClock needs an aware datetime")
        self._start, self._started = start.astimezone(UTC), time.monotonic()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._started)


SYSTEM_CLOCK = Clock()


class OffsetClock(Clock):
    """The system clock moved by a fixed amount: every process that a test starts with the
    same offset (``HUB_CLOCK_OFFSET_SECONDS``) shares one timeline with the test, so the
    tokens and deadlines the test made are read on the clock they were made on, whatever
    day the machine says it is."""

    def __init__(self, offset: dt.timedelta) -> None:
        self.offset = offset

    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC) + self.offset


def process_clock(offset_seconds: float) -> Clock:
    """The clock of a process: the system's, moved when the settings say so."""
    if not offset_seconds:
        return SYSTEM_CLOCK
    return OffsetClock(dt.timedelta(seconds=offset_seconds))


def now() -> dt.datetime:
    """Now, in UTC, from the application's clock when there is an application."""
    if has_app_context():
        return current_app.extensions.get("hub.clock", SYSTEM_CLOCK).now()
    return SYSTEM_CLOCK.now()


def local(moment: dt.datetime) -> dt.datetime:
    """The same instant shown in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI)
