"""The e-supervision indicators: pure formulas on plain data, each with its definition.

Clock: every instant is stored in UTC; a case belongs to the Asia/Shanghai *date*
of the event that is counted (received: ``submitted_at``; concluded:
``concluded_at``; a department's decision: ``decided_at``). A period ``from``–``to``
is inclusive at both ends, in Asia/Shanghai dates.

Nothing here does I/O: the services read rows (or the rollups kept in the
transaction of each change) and hand plain values to these functions.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Protocol

from hub.clock import SHANGHAI

UTC = dt.timezone.utc
ONE_SECOND = dt.timedelta(seconds=1)

APPLICATION_OUTCOMES = ("approved", "rejected", "withdrawn")
TASK_OUTCOMES = ("approved", "rejected")
WARNINGS = ("none", "yellow", "red")

# hub_task_decision_duration_seconds: from an hour to twenty days (API.md).
HOUR, DAY = 3600.0, 86400.0
DECISION_BUCKETS: tuple[float, ...] = (
    HOUR, 4 * HOUR, 8 * HOUR, DAY, 2 * DAY, 3 * DAY, 5 * DAY, 7 * DAY, 10 * DAY, 15 * DAY,
    20 * DAY, math.inf,
)


class Calendar(Protocol):
    """What the formulas need of ``hub.approvals.calendar.WorkingCalendar``."""

    def working_days_between(self, start: dt.date, end: dt.date) -> int: ...


class WorkingDays(Calendar, Protocol):
    def is_working_day(self, day: dt.date) -> bool: ...


class CountingCalendar:
    """``working_days_between`` in constant time over ``[first, last]``, by a running count
    of the working days (the calendar walks day by day); outside the range it asks the
    calendar. For recounting many cases at once (the sync's batches)."""

    MAX_DAYS = 20 * 366  # a wider span (a date typed wrong upstream) is not worth a table

    def __init__(self, cal: WorkingDays, first: dt.date, last: dt.date) -> None:
        self._cal, self._first = cal, first
        self._counts: list[int] = []
        if last < first or (last - first).days > self.MAX_DAYS:
            return
        running, day = 0, first
        while day <= last:
            running += cal.is_working_day(day)
            self._counts.append(running)
            day += dt.timedelta(days=1)

    def is_working_day(self, day: dt.date) -> bool:
        return self._cal.is_working_day(day)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        if end <= start:
            return 0
        i, j = (start - self._first).days, (end - self._first).days
        if i >= 0 and j < len(self._counts):
            return self._counts[j] - self._counts[i]
        return self._cal.working_days_between(start, end)


def local_date(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai date of an aware instant."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the formulas need aware instants")
    return moment.astimezone(SHANGHAI).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` of an Asia/Shanghai date, in UTC."""
    start = dt.datetime.combine(day, dt.time(), SHANGHAI)
    return start.astimezone(UTC), (start + dt.timedelta(days=1)).astimezone(UTC)


def period_bounds(start: dt.date | None, end: dt.date | None
                  ) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``[from 00:00, the day after to 00:00)`` Asia/Shanghai as UTC; None is open-ended."""
    return (day_bounds(start)[0] if start else None, day_bounds(end)[1] if end else None)


# -- One case -------------------------------------------------------------------------------


def on_time(concluded_at: dt.datetime, due_at: dt.datetime | None) -> bool:
    """Concluded on or before the deadline.

    ``due_at`` is the last second of the due day (23:59:59 Asia/Shanghai): anything
    within that second is on time, the next second is late. A case without a
    deadline (none was promised) cannot be late.
    """
    if due_at is None:
        return True
    return concluded_at < due_at.replace(microsecond=0) + ONE_SECOND


def working_days_used(cal: Calendar, start: dt.datetime, end: dt.datetime,
                      paused_working_days: int = 0) -> int:
    """Working days from the day of acceptance to the day of conclusion (or now).

    = working days in (local date of ``start``, local date of ``end``] minus the working
    days the clock was stopped for a supplement (补正). A case concluded on the day it
    was accepted used 0 working days. Never negative.
    """
    used = cal.working_days_between(local_date(start), local_date(end)) - paused_working_days
    return max(0, used)


def early(cal: Calendar, concluded_at: dt.datetime, due_at: dt.datetime | None) -> bool:
    """Concluded a working day or more before the due day: at least one working day in
    (conclusion date, due date]. A case without a deadline is never early."""
    if due_at is None:
        return False
    return cal.working_days_between(local_date(concluded_at), local_date(due_at)) >= 1


def last_day(decided_at: dt.datetime, due_at: dt.datetime | None) -> bool:
    """Decided on the due day itself (Asia/Shanghai date of ``decided_at`` = that of
    ``due_at``), i.e. on time but at the last moment."""
    return due_at is not None and local_date(decided_at) == local_date(due_at)


def warning(now: dt.datetime, due_at: dt.datetime | None, yellow_at: dt.datetime | None,
            paused: bool = False) -> str:
    """The card of an open case or task at ``now``: ``red`` once past the deadline's last
    second, ``yellow`` from ``yellow_at`` (one working day or less left, per item), else
    ``none``. A case whose clock is stopped for a supplement shows no card."""
    if paused or due_at is None:
        return "none"
    if not on_time(now, due_at):
        return "red"
    if yellow_at is not None and now >= yellow_at:
        return "yellow"
    return "none"


def decision_bucket(seconds: float) -> float:
    """The smallest histogram bound ``le`` that holds a decision taking ``seconds``."""
    return next(bound for bound in DECISION_BUCKETS if seconds <= bound)


def le_label(bound: float) -> str:
    """A bucket bound as Prometheus writes it (``3600.0``, ``+Inf``)."""
    return "+Inf" if math.isinf(bound) else repr(float(bound))


# -- Aggregates -----------------------------------------------------------------------------


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, rounded to 4 places; None when the denominator is 0
    (no cases means no rate, not a rate of 0)."""
    if denominator <= 0:
        return None
    return round(numerator / denominator, 4)


def mean(distribution: Mapping[int, int]) -> float | None:
    """Average of a distribution {value: cases}, rounded to 2 places; None when empty."""
    total = sum(distribution.values())
    if total <= 0:
        return None
    return round(sum(value * count for value, count in distribution.items()) / total, 2)


def quantile(distribution: Mapping[int, int], q: float) -> float | None:
    """The q-quantile of {value: cases} by linear interpolation between closest ranks
    (numpy's default, PostgreSQL's ``percentile_cont``); None when empty."""
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must lie in [0, 1]")
    total = sum(c for c in distribution.values() if c > 0)
    if total == 0:
        return None
    position = q * (total - 1)
    lower_rank, fraction = int(math.floor(position)), position - math.floor(position)
    lower = _value_at_rank(distribution, lower_rank)
    if fraction == 0:
        return float(lower)
    upper = _value_at_rank(distribution, lower_rank + 1)
    return round(lower + (upper - lower) * fraction, 2)


def _value_at_rank(distribution: Mapping[int, int], rank: int) -> int:
    seen = 0
    for value in sorted(distribution):
        seen += max(0, distribution[value])
        if rank < seen:
            return value
    raise IndexError(rank)


def merge(distributions: Iterable[Mapping[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for distribution in distributions:
        for value, count in distribution.items():
            merged[value] = merged.get(value, 0) + count
    return merged


@dataclasses.dataclass
class Tally:
    """The counts behind one row of figures (a center or a department, over a period)."""

    received: int = 0
    concluded: int = 0
    on_time: int = 0
    early: int = 0
    last_day: int = 0
    in_progress: int = 0
    yellow: int = 0
    red: int = 0
    working_days: dict[int, int] = dataclasses.field(default_factory=dict)

    def add(self, other: Tally) -> None:
        for field in ("received", "concluded", "on_time", "early", "last_day", "in_progress",
                      "yellow", "red"):
            setattr(self, field, getattr(self, field) + getattr(other, field))
        self.working_days = merge([self.working_days, other.working_days])


def figures(t: Tally) -> dict[str, float | int | None]:
    """The published row.

    - ``received``: cases (tasks) whose acceptance (opening) falls in the period.
    - ``concluded``: cases concluded (approved, rejected or withdrawn) in the period;
      for a department, tasks it approved or rejected in the period.
    - ``on_time``: of those, concluded on or before ``due_at`` (see ``on_time``).
    - ``on_time_rate`` = on_time / concluded; ``early_rate`` = concluded a working day
      or more before the due day / concluded; ``last_day_rate`` = decided on the due
      day / concluded — all over the concluded of the period, null when none.
    - ``avg_working_days``, ``median_working_days``, ``p90_working_days``: of the
      working days used by the concluded of the period (supplement time excluded).
    - ``in_progress``: of the cases received in the period, those still open now;
      ``yellow`` / ``red``: of those, the ones showing that card now.
    """
    return {
        "received": t.received,
        "concluded": t.concluded,
        "on_time": t.on_time,
        "on_time_rate": rate(t.on_time, t.concluded),
        "early": t.early,
        "early_rate": rate(t.early, t.concluded),
        "last_day": t.last_day,
        "last_day_rate": rate(t.last_day, t.concluded),
        "avg_working_days": mean(t.working_days),
        "median_working_days": quantile(t.working_days, 0.5),
        "p90_working_days": quantile(t.working_days, 0.9),
        "in_progress": t.in_progress,
        "yellow": t.yellow,
        "red": t.red,
    }


def rank(rows: list[dict[str, object]], key: str = "on_time_rate") -> list[dict[str, object]]:
    """Rows ordered best first by ``key`` (higher is better), ties sharing a rank
    (1, 2, 2, 4); rows with no rate (nothing concluded) come last, unranked (None).
    Among equals, more concluded cases first, then the given order."""
    def sort_key(indexed: tuple[int, dict[str, object]]) -> tuple[int, float, int, int]:
        index, row = indexed
        value = row.get(key)
        if value is None:
            return (1, 0.0, 0, index)
        return (0, -float(value), -int(row.get("concluded") or 0), index)  # type: ignore[arg-type]

    ordered = [row for _, row in sorted(enumerate(rows), key=sort_key)]
    ranked: list[dict[str, object]] = []
    previous: object = object()
    position = 0
    for number, row in enumerate(ordered, start=1):
        value = row.get(key)
        if value is None:
            ranked.append({**row, "rank": None})
            continue
        if value != previous:
            position, previous = number, value
        ranked.append({**row, "rank": position})
    return ranked


# -- From plain rows (the reference the rollups are checked against) -------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    """What the formulas read of an application (or, for a department, of a task:
    ``submitted_at`` = opened, ``concluded_at`` = decided)."""

    submitted_at: dt.datetime
    status: str
    due_at: dt.datetime | None = None
    yellow_at: dt.datetime | None = None
    concluded_at: dt.datetime | None = None
    paused_working_days: int = 0
    paused: bool = False  # the clock is stopped (a supplement was asked for)


CONCLUDED = frozenset(APPLICATION_OUTCOMES)
OPEN = frozenset({"in_review", "supplement_requested", "pending"})


def _within(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def tally(cases: Iterable[Case], cal: Calendar, now: dt.datetime,
          start: dt.date | None = None, end: dt.date | None = None,
          concluded_statuses: frozenset[str] = CONCLUDED) -> Tally:
    """The counts of ``figures`` computed case by case (see ``figures`` for each
    definition). For a department's tasks pass ``concluded_statuses=TASK_CONCLUDED``."""
    t = Tally()
    for case in cases:
        if _within(local_date(case.submitted_at), start, end):
            t.received += 1
            if case.status in OPEN:
                t.in_progress += 1
                card = warning(now, case.due_at, case.yellow_at, case.paused)
                if card != "none":
                    setattr(t, card, getattr(t, card) + 1)
        if case.status not in concluded_statuses or case.concluded_at is None:
            continue
        if not _within(local_date(case.concluded_at), start, end):
            continue
        t.concluded += 1
        t.on_time += on_time(case.concluded_at, case.due_at)
        t.early += early(cal, case.concluded_at, case.due_at)
        t.last_day += last_day(case.concluded_at, case.due_at)
        used = working_days_used(cal, case.submitted_at, case.concluded_at,
                                 case.paused_working_days)
        t.working_days[used] = t.working_days.get(used, 0) + 1
    return t


TASK_CONCLUDED = frozenset(TASK_OUTCOMES)
