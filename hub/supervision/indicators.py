"""The e-supervision indicators: pure formulas on plain data, each with its definition.

Clock: every instant is stored in UTC; a case belongs to the Asia/Shanghai *date*
of the event that is counted (received: ``submitted_at``; concluded:
``concluded_at``; a department's decision: ``decided_at``; overdue: ``due_at``). A
period ``from``–``to`` is inclusive at both ends, in Asia/Shanghai dates.

Nothing here does I/O: the services read rows (or the rollups kept in the
transaction of each change) and hand plain values to these functions.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Protocol

from hub.approvals import cards
from hub.timezones import SHANGHAI

UTC = dt.timezone.utc

APPLICATION_OUTCOMES = ("approved", "rejected", "withdrawn")
TASK_OUTCOMES = ("approved", "rejected")

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


def _within(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


# -- One case -------------------------------------------------------------------------------


def on_time(concluded_at: dt.datetime, due_at: dt.datetime | None) -> bool:
    """Concluded on or before the deadline.

    ``due_at`` is the last second of the due day (23:59:59 Asia/Shanghai): anything
    within that second is on time, the next second is late, the instant an open case
    turns red (``cards``). A case without a deadline (none was promised) cannot be late.
    """
    return not cards.reached(cards.RED, concluded_at, due_at, None)


def is_overdue(now: dt.datetime, due_at: dt.datetime | None, start: dt.date | None = None,
               end: dt.date | None = None, *, running: bool = True) -> bool:
    """An open case (or pending task) counted ``overdue`` at ``now`` for the period
    ``start``–``end``: its deadline's day lies in the period and its last second has
    passed (the instant it turns red, ``cards``). One whose clock stands (waiting for a
    supplement: the deadline moves by the pause when it resumes) or that has no deadline
    is not overdue."""
    if not running or due_at is None:
        return False
    return (cards.reached(cards.RED, now, due_at, None)
            and _within(local_date(due_at), start, end))


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
    overdue: int = 0
    supplement_requests: int = 0
    working_days: dict[int, int] = dataclasses.field(default_factory=dict)

    def count_open(self, shown: cards.Card, n: int = 1) -> None:
        """``n`` cases still open now, showing the card ``shown`` (None: no card)."""
        self.in_progress += n
        if shown == cards.YELLOW:
            self.yellow += n
        elif shown == cards.RED:
            self.red += n

    def add(self, other: Tally) -> None:
        for field in ("received", "concluded", "on_time", "early", "last_day", "in_progress",
                      "yellow", "red", "overdue", "supplement_requests"):
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
    - ``overdue``: cases still open, their clock running, whose ``due_at`` lies in the
      period and has passed now (``is_overdue``), whenever they were received: a case
      left open past its deadline is late already.
    - ``timeliness_rate`` = on_time / (concluded + overdue): the share of the period's
      due work done on time; null when both are 0. The ranking's key: ``on_time_rate``
      alone rewards leaving late cases open.
    - ``supplement_requests``: supplement requests (补正) made in the period;
      ``supplements_per_case`` = supplement_requests / received, null when none received.
    """
    return {
        "received": t.received,
        "concluded": t.concluded,
        "on_time": t.on_time,
        "on_time_rate": rate(t.on_time, t.concluded),
        "overdue": t.overdue,
        "timeliness_rate": rate(t.on_time, t.concluded + t.overdue),
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
        "supplement_requests": t.supplement_requests,
        "supplements_per_case": rate(t.supplement_requests, t.received),
    }


# 综合评分, 0–100: each part a share in [0, 1], weighted. Written out on the ranking page
# (``COMPOSITE_FORMULA``); change both together.
COMPOSITE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("timeliness", 0.6), ("satisfaction", 0.3), ("supplements", 0.1))
COMPOSITE_FORMULA = ("综合评分 = 100 ×（0.6 × 办结及时率 + 0.3 × 满意率 + 0.1 ×（1 − 每件补正次数））；"
                     "每件补正次数超过 1 按 1 计。某项没有数据（如尚无评价、期内无受理）时该项不计，"
                     "其余各项按权重比例折算；办结及时率没有数据（期内既无办结也无超期）时不评分。")


def composite_score(timeliness_rate: float | None, satisfaction_rate: float | None = None,
                    supplements_per_case: float | None = None) -> float | None:
    """The composite score (综合评分) beside the ranking, 0–100, one decimal:
    100 × Σ wᵢ·xᵢ / Σ wᵢ over the parts that are known — x = ``timeliness_rate``,
    ``satisfaction_rate`` (ratings of levels 3–5 / ratings) and 1 − min(1,
    ``supplements_per_case``), w as ``COMPOSITE_WEIGHTS``. A missing part leaves out its
    weight too (the others count proportionally more); without a timeliness rate there is
    nothing due to judge: None."""
    if timeliness_rate is None:
        return None
    parts = {"timeliness": timeliness_rate, "satisfaction": satisfaction_rate,
             "supplements": None if supplements_per_case is None
             else 1.0 - min(1.0, max(0.0, supplements_per_case))}
    known = [(weight, parts[name]) for name, weight in COMPOSITE_WEIGHTS
             if parts[name] is not None]
    total = sum(weight for weight, _ in known)
    return round(100 * sum(weight * value for weight, value in known) / total, 1)  # type: ignore[operator]


def rank(rows: list[dict[str, object]], key: str = "timeliness_rate") -> list[dict[str, object]]:
    """Rows ordered best first by ``key`` (higher is better), ties sharing a rank
    (1, 2, 2, 4); rows with no rate (nothing concluded nor overdue) come last, unranked
    (None).
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
    supplements: tuple[dt.datetime, ...] = ()  # when each supplement request was made


CONCLUDED = frozenset(APPLICATION_OUTCOMES)
OPEN = frozenset({"in_review", "supplement_requested", "pending"})


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
                t.count_open(cards.card(now, case.due_at, case.yellow_at,
                                        running=not case.paused))
        t.supplement_requests += sum(_within(local_date(at), start, end)
                                     for at in case.supplements)
        if case.status in OPEN:
            t.overdue += is_overdue(now, case.due_at, start, end, running=not case.paused)
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
