"""Keep the supervision rollups in the transaction of the change they count.

The routing services call ``track_application`` / ``track_task`` after creating a
case or task or changing its status; the sync calls ``count_synced`` in each batch's
transaction: the cases new to the hub added to their days, the Asia/Shanghai days of
changed cases (both the old and the new ``submitted_at``/``concluded_at`` day of a
record that moved) recounted by ``refresh``. None of them commits:
the caller's commit makes the change and its count visible together.

Increments are ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``: atomic on
PostgreSQL and SQLite. They are gathered in the transaction and written when it commits
(in one statement on PostgreSQL), after everything else and in one fixed order (table,
then key): a department's row is shared by every center, and a submission and a
decision taking the same rows (and the center's audit chain head) in different orders
deadlocked under load. The commit hook is registered on the app's own session factory
(``listen``, called by ``hub.app``).
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import TextClause, and_, bindparam, delete, func, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker

from hub import clock
from hub.approvals.calendar_services import load_calendar
from hub.approvals.models import (
    CONCLUDED_APPLICATION_STATUSES,
    Application,
    ApprovalTask,
)
from hub.db import TransactionState, before_commit, insert_for, require_wired
from hub.supervision import indicators as ind
from hub.supervision.models import (
    CenterDay,
    CenterWorkingDays,
    DecisionDuration,
    DepartmentDay,
    DepartmentWorkingDays,
)

DECISIONS = ("approved", "rejected", "supplement_requested")
CENTER_COUNTS = ("submitted", "approved_on_time", "approved_late", "rejected_on_time",
                 "rejected_late", "withdrawn_on_time", "withdrawn_late", "early", "last_day")


@functools.lru_cache(maxsize=128)
def _increment_statement(dialect: str, model: type[Any], keys: tuple[str, ...],
                         amounts: tuple[str, ...]) -> Any:
    """The upsert of one shape of increment (SQLite's path), built once: building it (and
    its ``excluded`` alias) on every call weighed on every decision (docs/BENCHMARKS.md)."""
    table = model.__table__
    stmt = insert_for(dialect)(table)  # Core, not the ORM's bulk path: nothing here needs the ORM
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + stmt.excluded[name] for name in amounts},
    )


# {(table, key): (model, {column: amount})}: the increments the transaction will write.
_PENDING: TransactionState[dict[tuple[str, tuple[Any, ...]], tuple[Any, dict[str, Any]]]] = \
    TransactionState("hub.rollups.pending")
_WIRED = "hub.supervision.rollups.listen"


def listen(factory: sessionmaker[Session]) -> None:
    """Write the increments of every session of ``factory`` when it commits."""
    before_commit(factory, _write_pending, _WIRED)


def _increment(session: Session, model: type[Any], keys: Mapping[str, Any],
               amounts: Mapping[str, int | float]) -> None:
    """Add ``amounts`` to the row ``keys`` of ``model`` (created at zero if missing) when
    the session commits."""
    require_wired(session, _WIRED, "the rollups")
    pending = _PENDING.get(session) or _PENDING.put(session, {})
    slot = pending.setdefault((model.__tablename__, tuple(keys.items())), (model, {}))[1]
    for name, value in amounts.items():
        slot[name] = slot.get(name, 0) + value


def _write_pending(session: Session) -> None:
    # The first hook of a commit (then the audit chain heads'): what the transaction
    # changed is flushed first, so the rows it locks at commit are the day rows, then
    # the heads, always last and in one order.
    session.flush()
    pending = _PENDING.pop(session)
    if not pending:
        return
    dialect = session.get_bind().dialect.name
    # In key order, a run of increments of one shape (a sync batch's days) together.
    runs: list[tuple[tuple[Any, tuple[str, ...], tuple[str, ...]], list[dict[str, Any]]]] = []
    for (_table, key_items), (model, amounts) in sorted(pending.items(), key=lambda kv: kv[0]):
        keys = dict(key_items)
        shape = (model, tuple(keys), tuple(amounts))
        if not runs or runs[-1][0] != shape:
            runs.append((shape, []))
        runs[-1][1].append({**keys, **amounts})
    if dialect == "postgresql":
        session.execute(_increments_statement(tuple(shape for shape, _ in runs)),
                        {f"run{n}": json.dumps(rows, default=str)
                         for n, (_, rows) in enumerate(runs)})
        return
    for shape, rows in runs:  # SQLite has no data-modifying WITH: a statement a run
        session.execute(_increment_statement(dialect, *shape), rows)


@functools.lru_cache(maxsize=128)
def _increments_statement(shapes: tuple[tuple[Any, tuple[str, ...], tuple[str, ...]], ...]
                          ) -> TextClause:
    """A transaction's increments in ONE statement on PostgreSQL, one parameter a run (its
    rows as a JSON array): a decision's three to five upserts were as many round trips
    (issue 23). Each run waits for the one before (its one-time filter counts that run's
    rows) and takes its rows in the array's order (WITH ORDINALITY): the locks are taken
    in the same order as by one statement a run, and a data-modifying WITH alone would
    leave the order of its parts to the executor."""
    dialect = postgresql.dialect()
    parts = []
    for n, (model, keys, amounts) in enumerate(shapes):
        table = model.__table__
        columns = ", ".join((*keys, *amounts))
        typed = ", ".join(f"{c} {table.c[c].type.compile(dialect=dialect)}"
                          for c in (*keys, *amounts))
        after = f"WHERE (SELECT count(*) FROM run{n - 1}) >= 0 " if n else ""
        added = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in amounts)
        parts.append(
            f"run{n} AS (INSERT INTO {table.name} ({columns}) SELECT {columns} "
            f"FROM ROWS FROM (jsonb_to_recordset(CAST(:run{n} AS jsonb)) AS ({typed})) "
            f"WITH ORDINALITY AS r({columns}, ordinality) {after}ORDER BY ordinality "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added} RETURNING 1)")
    return text(f"WITH {', '.join(parts)} SELECT count(*) FROM run{len(shapes) - 1}")


# -- Applications -------------------------------------------------------------------------


def _conclusion(cal: ind.Calendar, concluded_at: dt.datetime, due_at: dt.datetime | None,
                submitted_at: dt.datetime, paused_working_days: int, status: str
                ) -> tuple[dt.date, dict[str, int], int]:
    """(day, counts to add, working days used) of one concluded case."""
    punctual = "on_time" if ind.on_time(concluded_at, due_at) else "late"
    counts = {f"{status}_{punctual}": 1, "early": int(ind.early(cal, concluded_at, due_at)),
              "last_day": int(ind.last_day(concluded_at, due_at))}
    return (ind.local_date(concluded_at), counts,
            ind.working_days_used(cal, submitted_at, concluded_at, paused_working_days or 0))


def track_application(session: Session, application: Application,
                      previous_status: str | None) -> None:
    """Count a case just created (``previous_status`` None) or whose status just changed.

    Counted: its receipt on its ``submitted_at`` day; each supplement request (a move
    from in_review to supplement_requested) on its ``paused_at`` day; its conclusion (the
    first move into approved, rejected or withdrawn) on its ``concluded_at`` day.
    Tombstoned cases count nowhere.
    """
    if application.deleted_at is not None:
        return
    center = application.center_code
    if previous_status is None:
        _increment(session, CenterDay,
                   {"center_code": center, "day": ind.local_date(application.submitted_at)},
                   {"submitted": 1})
    if application.status == "supplement_requested" and previous_status == "in_review":
        asked_at = application.paused_at or clock.now()
        _increment(session, CenterDay,
                   {"center_code": center, "day": ind.local_date(asked_at)},
                   {"supplement_requests": 1})
    newly_concluded = (application.status in CONCLUDED_APPLICATION_STATUSES
                       and previous_status not in CONCLUDED_APPLICATION_STATUSES)
    if not newly_concluded:
        return
    concluded_at = application.concluded_at or clock.now()
    day, counts, used = _conclusion(
        load_calendar(session), concluded_at, application.due_at, application.submitted_at,
        application.paused_working_days, application.status)
    _increment(session, CenterDay, {"center_code": center, "day": day}, counts)
    _increment(session, CenterWorkingDays,
               {"center_code": center, "day": day, "working_days": used}, {"cases": 1})


# What one case adds to its center's rollups: (day, counts to add, working days used
# when it concluded that day, else None).
CaseCount = tuple[dt.date, dict[str, int], int | None]


def case_counts(cal: ind.Calendar, submitted_at: dt.datetime, status: str,
                concluded_at: dt.datetime | None, due_at: dt.datetime | None,
                paused_working_days: int = 0) -> list[CaseCount]:
    """What a live case adds to the rollups, exactly as ``refresh`` counts it: its receipt
    on its ``submitted_at`` day and, once concluded, its conclusion on that day."""
    counted: list[CaseCount] = [(ind.local_date(submitted_at), {"submitted": 1}, None)]
    if status in CONCLUDED_APPLICATION_STATUSES and concluded_at is not None:
        counted.append(_conclusion(cal, concluded_at, due_at, submitted_at,
                                   paused_working_days, status))
    return counted


def count_synced(session: Session, center_code: str, *, added: Iterable[CaseCount],
                 recount: set[dt.date]) -> None:
    """A sync batch's change to the rollups of ``center_code``: the days of cases that
    changed (their old and new days) are recounted from the table, and the cases new to
    the hub are added to the other days; a recounted day already holds its new cases."""
    refresh(session, center_code, recount)
    days: dict[dt.date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    used_days: dict[tuple[dt.date, int], int] = defaultdict(int)
    for day, counts, used in added:
        if day in recount:
            continue
        into = days[day]
        for column, n in counts.items():
            into[column] += n
        if used is not None:
            used_days[(day, used)] += 1
    for day, counts in days.items():  # every column, so a batch's days share one statement
        _increment(session, CenterDay, {"center_code": center_code, "day": day},
                   {column: counts.get(column, 0) for column in CENTER_COUNTS})
    for (day, used), n in used_days.items():
        _increment(session, CenterWorkingDays,
                   {"center_code": center_code, "day": day, "working_days": used}, {"cases": n})


def _day_ranges(days: Iterable[dt.date]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Consecutive days merged into ``[start, end)`` UTC ranges (fewer index probes)."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] + dt.timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return [(ind.day_bounds(first)[0], ind.day_bounds(last)[1]) for first, last in ranges]


# The recount's statements, each built once and run with parameters: built per batch
# (their ranges and VALUES lists differ each time) they were compiled anew every batch.
_CENTER_DAYS = CenterDay.__table__
_CENTER_WORKING_DAYS = CenterWorkingDays.__table__
_APPLICATIONS = Application.__table__
_RECOUNT_DAY = (update(_CENTER_DAYS)
                .where(_CENTER_DAYS.c.center_code == bindparam("center"),
                       _CENTER_DAYS.c.day == bindparam("target_day"))
                .values({name: bindparam(name) for name in CENTER_COUNTS}))
_LIVE = and_(_APPLICATIONS.c.center_code == bindparam("center"),
             _APPLICATIONS.c.deleted_at.is_(None))
_RECEIVED = select(_APPLICATIONS.c.submitted_at).where(
    _LIVE, _APPLICATIONS.c.submitted_at >= bindparam("start"),
    _APPLICATIONS.c.submitted_at < bindparam("end"))
_CONCLUDED = select(
    _APPLICATIONS.c.concluded_at, _APPLICATIONS.c.due_at, _APPLICATIONS.c.submitted_at,
    _APPLICATIONS.c.paused_working_days, _APPLICATIONS.c.status,
).where(_LIVE, _APPLICATIONS.c.status.in_(CONCLUDED_APPLICATION_STATUSES),
        _APPLICATIONS.c.concluded_at >= bindparam("start"),
        _APPLICATIONS.c.concluded_at < bindparam("end"))


@functools.lru_cache(maxsize=4)
def _day_rows_statement(dialect: str) -> Any:
    return insert_for(dialect)(_CENTER_DAYS).on_conflict_do_nothing(index_elements=["center_code", "day"])


def refresh(session: Session, center_code: str, days: set[dt.date]) -> None:
    """Recount the rollups of ``center_code`` for ``days`` (Asia/Shanghai) from the
    ``applications`` table, set-based; for the sync, whose batches upsert cases directly.

    The day rows are locked first, so a submission tracked concurrently either
    committed before the recount (and is in it) or adds itself after it. Cost is
    proportional to the cases of the days given, not to the table.
    """
    wanted = sorted(set(days))
    if not wanted:
        return
    session.execute(_day_rows_statement(session.get_bind().dialect.name),
                    [{"center_code": center_code, "day": day} for day in wanted])
    session.execute(select(CenterDay.day).where(
        CenterDay.center_code == center_code, CenterDay.day.in_(wanted)).with_for_update())

    counts: dict[dt.date, dict[str, int]] = {day: dict.fromkeys(CENTER_COUNTS, 0)
                                             for day in wanted}
    distribution: dict[tuple[dt.date, int], int] = defaultdict(int)
    ranges = [{"center": center_code, "start": start, "end": end}
              for start, end in _day_ranges(wanted)]
    for bounds in ranges:  # consecutive days merged: one index range scan each
        for (submitted_at,) in session.execute(_RECEIVED, bounds):
            day = ind.local_date(submitted_at)
            if day in counts:
                counts[day]["submitted"] += 1
    concluded = [row for bounds in ranges for row in session.execute(_CONCLUDED, bounds)]
    cal: ind.Calendar | None = None
    if concluded:
        # One running count of working days for the whole batch: a case then costs a
        # few look-ups, not a walk over its days.
        span = [d for row in concluded for d in (row[0], row[1], row[2]) if d is not None]
        cal = ind.CountingCalendar(load_calendar(session), ind.local_date(min(span)),
                                   ind.local_date(max(span)))
    for concluded_at, due_at, submitted_at, paused, status in concluded:
        day, added, used = _conclusion(cal, concluded_at, due_at, submitted_at,
                                       paused, status)  # type: ignore[arg-type]
        if day in counts:
            for column, n in added.items():
                counts[day][column] += n
            distribution[(day, used)] += 1

    session.execute(_RECOUNT_DAY, [{"center": center_code, "target_day": day, **counts[day]}
                                   for day in wanted])
    session.execute(delete(CenterWorkingDays).where(
        CenterWorkingDays.center_code == center_code, CenterWorkingDays.day.in_(wanted)))
    if distribution:
        session.execute(_CENTER_WORKING_DAYS.insert(), [
            {"center_code": center_code, "day": day, "working_days": used, "cases": n}
            for (day, used), n in sorted(distribution.items())])


def rebuild(session: Session) -> int:
    """Recount every center's rollups from the ``applications`` table (after a restore,
    or to check them); returns the number of center-days recounted. Caller commits."""
    bounds = session.execute(select(
        Application.center_code, func.min(Application.submitted_at),
        func.max(func.coalesce(Application.concluded_at, Application.submitted_at)),
    ).group_by(Application.center_code)).all()
    recounted = 0
    for center_code, first, last in bounds:
        start, end = ind.local_date(first), ind.local_date(last)
        days = {start + dt.timedelta(days=n) for n in range((end - start).days + 1)}
        existing = session.scalars(select(CenterDay.day).where(
            CenterDay.center_code == center_code)).all()
        days.update(existing)
        refresh(session, center_code, days)
        recounted += len(days)
    return recounted


# -- Tasks ----------------------------------------------------------------------------------


def track_task(session: Session, task: ApprovalTask, previous_status: str | None) -> None:
    """Count a task just opened (``previous_status`` None) or just decided.

    Counted: its opening on its ``opened_at`` day; each decision (approve, reject,
    supplement request: a move from pending) on its ``decided_at`` day, with its
    duration from ``opened_at`` for the histogram; approvals and rejections also by
    punctuality, earliness, last-day and working days used. Cancellations count nowhere.
    """
    department = task.department_code
    if previous_status is None:
        _increment(session, DepartmentDay,
                   {"department_code": department, "day": ind.local_date(task.opened_at)},
                   {"opened": 1})
    if task.status not in DECISIONS or previous_status not in (None, "pending"):
        return
    decided_at = task.decided_at or clock.now()
    day = ind.local_date(decided_at)
    seconds = max(0.0, (decided_at - task.opened_at).total_seconds())
    amounts: dict[str, int | float] = {"decisions": 1, "decision_seconds": seconds}
    if task.status == "supplement_requested":
        amounts["supplement_requests"] = 1
    else:
        cal = load_calendar(session)
        punctual = "on_time" if ind.on_time(decided_at, task.due_at) else "late"
        amounts[f"{task.status}_{punctual}"] = 1
        amounts["early"] = int(ind.early(cal, decided_at, task.due_at))
        amounts["last_day"] = int(ind.last_day(decided_at, task.due_at))
        used = ind.working_days_used(cal, task.opened_at, decided_at,
                                     task.paused_working_days or 0)
    keys = {"department_code": department, "day": day}
    _increment(session, DepartmentDay, keys, amounts)
    if task.status != "supplement_requested":
        _increment(session, DepartmentWorkingDays, {**keys, "working_days": used}, {"cases": 1})
    _increment(session, DecisionDuration,
               {**keys, "le": ind.le_label(ind.decision_bucket(seconds))}, {"decisions": 1})
