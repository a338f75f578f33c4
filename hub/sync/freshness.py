"""How fresh a center's data is: the age of its last successful sync and the nightly
runs missed since. Pure: instants and the schedule in, figures out.

The nightly sync starts every day at ``hour:minute`` Asia/Shanghai (``hub.schedule``);
a night counts as *missed* once its run has had ``GRACE`` to finish and nothing has
succeeded since it was due. A success at any time (a manual sync at noon) makes the
data fresh again: nights before it are no longer missed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from hub.timezones import SHANGHAI

GRACE = dt.timedelta(hours=2)  # a night's run starts, pages through, retries: done by then


@dataclasses.dataclass(frozen=True)
class Nightly:
    """The nightly schedule (``HUB_SYNC_HOUR``, ``HUB_SYNC_MINUTE``, Asia/Shanghai)."""

    hour: int = 1
    minute: int = 30

    def last_due(self, now: dt.datetime) -> dt.datetime:
        """The latest nightly start whose grace has passed at ``now`` (aware)."""
        local = (now - GRACE).astimezone(SHANGHAI)
        start = local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if start > local:
            start -= dt.timedelta(days=1)
        return start


def nights_missed(schedule: Nightly, since: dt.datetime | None, now: dt.datetime) -> int:
    """Nightly runs due (grace passed) after ``since`` — the last success, or, for a
    stream that never succeeded, when the center started syncing — up to ``now``. 0 when
    ``since`` is None (nothing to measure from)."""
    if since is None:
        return 0
    last = schedule.last_due(now)
    if last <= since:
        return 0
    # The nights due are last, last − 1 day, …, those after ``since``: ⌈(last − since) / 1 day⌉
    # of them. Shanghai keeps no daylight saving: every night is 24 hours after the last.
    whole, part = divmod(last - since, dt.timedelta(days=1))
    return whole + (1 if part else 0)


def age_seconds(last_success: dt.datetime | None, now: dt.datetime) -> float | None:
    """Seconds since the last successful sync; None when there never was one."""
    if last_success is None:
        return None
    return max(0.0, (now - last_success).total_seconds())


def age_text(seconds: float | None) -> str:
    """``3 天 4 小时``, ``5 小时 10 分``, ``12 分钟``: the age as the pages say it."""
    if seconds is None:
        return "从未成功"
    minutes = int(seconds // 60)
    days, hours = divmod(minutes // 60, 24)
    if days:
        return f"{days} 天 {hours} 小时"
    if hours:
        return f"{hours} 小时 {minutes % 60} 分"
    return f"{minutes} 分钟"
