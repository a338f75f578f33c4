"""The sliding-window counter, pure: no framework, no I/O.

A key's requests are counted in fixed windows (one counter per key and window). The
rate over the last ``window`` seconds is estimated from the current window's count
plus the previous window's, weighted by the part of it still inside the sliding
window. A fixed window alone would let a client send twice its limit across a
boundary (the end of one window and the start of the next); two counters per key
smooth that out without keeping a row per request.
"""
from __future__ import annotations

import dataclasses
import math


@dataclasses.dataclass(frozen=True)
class Rate:
    """At most ``limit`` requests per ``window`` seconds."""

    limit: int
    window: int

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window < 1:
            raise ValueError(f"a rate needs a limit and a window of at least 1, not {self}")

    def slot(self, epoch_seconds: float) -> int:
        """The fixed window an instant falls in."""
        return int(epoch_seconds // self.window)

    def elapsed(self, epoch_seconds: float) -> float:
        """Seconds of its fixed window already past at that instant."""
        return epoch_seconds - self.slot(epoch_seconds) * self.window

    def __str__(self) -> str:
        return f"{self.limit}/{self.window}"


@dataclasses.dataclass(frozen=True)
class Verdict:
    allowed: bool
    estimate: float  # requests in the sliding window, this one included
    retry_after: int  # whole seconds until a further request would be allowed; 0 if allowed


def judge(rate: Rate, previous: int, current: int, elapsed: float, *,
          counted: bool = True) -> Verdict:
    """Whether the request that makes the current window's count ``current`` is within
    ``rate``; ``previous`` is the count of the window before, ``elapsed`` the seconds
    of the current window already past. ``counted``: the request is stored in
    ``current`` whatever the verdict (a refused one too), or only looked at."""
    estimate = _estimate(rate, previous, current, elapsed)
    if estimate <= rate.limit:
        return Verdict(True, estimate, 0)
    stored = current if counted else current - 1
    # The closed form's float (13/17 of 17 is 4.000000000000001) may round a whole
    # second too far either way: the whole second is settled by the estimate itself.
    seconds = max(1, math.ceil(_wait(rate, previous, stored, elapsed)))
    while seconds > 1 and _fits_after(rate, previous, stored, elapsed, seconds - 1):
        seconds -= 1
    while not _fits_after(rate, previous, stored, elapsed, seconds):
        seconds += 1
    return Verdict(False, estimate, seconds)


def _estimate(rate: Rate, previous: int, current: int, elapsed: float) -> float:
    """Requests in the sliding window: the current window's and the previous one's
    share still inside it."""
    weight = max(0.0, (rate.window - elapsed) / rate.window)
    return previous * weight + current


def _fits_after(rate: Rate, previous: int, stored: int, elapsed: float, wait: int) -> bool:
    """Whether one more request fits ``wait`` seconds on, if nothing else is counted."""
    later = elapsed + wait
    if later < rate.window:
        return _estimate(rate, previous, stored + 1, later) <= rate.limit
    later -= rate.window  # the next window: this one's count is the fading share
    if later < rate.window:
        return _estimate(rate, stored, 1, later) <= rate.limit
    return 1 <= rate.limit


def _wait(rate: Rate, previous: int, stored: int, elapsed: float) -> float:
    """Seconds until one more request would fit on top of the ``stored`` count, if
    nothing else is counted meanwhile."""
    window, limit, after = rate.window, rate.limit, stored + 1
    if after <= limit:
        # The previous window's share must fade: previous * (W - e) / W <= limit - after.
        if previous == 0:
            return 0.0
        fits_at = window * (1 - (limit - after) / previous)
        return max(0.0, fits_at - elapsed)
    # Not before the next window, where this one's count is the fading share and the
    # request itself counts 1: stored * (W - e) / W + 1 <= limit.
    fits_at = window * (1 - (limit - 1) / stored)
    return (window - elapsed) + max(0.0, fits_at)
