"""The working-day calendar in the database: seed the official years, publish a year,
and load the calendar the due dates are computed with.

Only official years are stored (their holidays and make-up working days); any other
year is provisional and computed (``calendar.statutory_holidays``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from hub import audit, change_signals, clock
from hub.approvals.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    WorkingCalendar,
    provisional_calendar_days,
)
from hub.approvals.models import CalendarDay, CalendarYear
from hub.db import TransactionState, upsert
from hub.errors import ValidationFailed
from hub.permissions import Principal, require

PACKAGE_SOURCE = "chinese-calendar"
ADMIN_SOURCE = "admin"
MIN_YEAR, MAX_YEAR = FIRST_YEAR, LAST_YEAR  # a provisional 2100 has no lunar table

_cache: dict[str, tuple[tuple[Any, ...], WorkingCalendar]] = {}
_cache_lock = threading.Lock()
_generation = 0  # bumped by invalidate_cache


def _fingerprint(session: Session) -> tuple[Any, ...]:
    # One cheap query tells whether any year was added or republished, in this process
    # or another one: the calendar is rebuilt only then.
    row = session.execute(select(func.count(), func.coalesce(func.sum(CalendarYear.version), 0),
                                 func.max(CalendarYear.published_at))).one()
    return tuple(row)


# (the cache's generation, the calendar) as read in the transaction.
_IN_TRANSACTION: TransactionState[tuple[int, WorkingCalendar]] = TransactionState(
    "hub.calendar")


def load_calendar(session: Session) -> WorkingCalendar:
    """The working calendar from the database (cached; rebuilt when a year is published).
    Checked once per transaction: a decision asks for it three times."""
    remembered = _IN_TRANSACTION.get(session)
    if remembered is not None and remembered[0] == _generation:
        return remembered[1]
    calendar = _load_calendar(session)
    if session.in_transaction():  # begun by a query (none when the signalled cache held it)
        _IN_TRANSACTION.put(session, (_generation, calendar))
    return calendar


# What the calendar is read from; hub.change_signals empties its cache on a change.
CALENDAR_TABLES = frozenset({"calendar_years", "calendar_days"})


def _load_calendar(session: Session) -> WorkingCalendar:
    signalled = change_signals.cache(session, "calendar", CALENDAR_TABLES)
    if signalled is not None and signalled.stamp() is not None:
        # Change signals are live: a publication anywhere empties the cache, so no
        # fingerprint query is needed (issue 23: one statement less per transaction).
        calendar = signalled.get("calendar")
        if calendar is None:
            stamp = signalled.stamp()
            calendar = _read_calendar(session)
            signalled.put("calendar", calendar, stamp)
        return calendar
    key = str(session.get_bind().engine.url)
    fingerprint = _fingerprint(session)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
    calendar = _read_calendar(session)
    with _cache_lock:
        _cache[key] = (fingerprint, calendar)
    return calendar


def _read_calendar(session: Session) -> WorkingCalendar:
    years = frozenset(session.scalars(select(CalendarYear.year)))
    holidays, workdays = set(), set()
    for day, kind in session.execute(select(CalendarDay.day, CalendarDay.kind)):
        (holidays if kind == "holiday" else workdays).add(day)
    return WorkingCalendar(holidays=frozenset(holidays), workdays=frozenset(workdays),
                           official_years=years)


def invalidate_cache() -> None:
    global _generation
    with _cache_lock:
        _cache.clear()
        _generation += 1  # what a transaction remembered is stale too
    change_signals.changed_here(CALENDAR_TABLES)


@dataclasses.dataclass(frozen=True)
class YearSchedule:
    year: int
    status: str  # official | provisional
    holidays: list[dt.date]
    workdays: list[dt.date]
    source: str | None = None
    published_at: dt.datetime | None = None
    published_by: str | None = None
    version: int | None = None


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed({"year": [f"年份须在 {MIN_YEAR}–{MAX_YEAR} 之间"]})


def get_year(session: Session, year: int) -> YearSchedule:
    """A year's schedule: the published one, or the provisional computed one."""
    _check_year(year)
    row = session.get(CalendarYear, year)
    if row is None:
        return YearSchedule(year=year, status="provisional",
                            holidays=provisional_calendar_days(year), workdays=[])
    days = session.execute(select(CalendarDay.day, CalendarDay.kind)
                           .where(CalendarDay.year == year).order_by(CalendarDay.day)).all()
    return YearSchedule(year=year, status="official",
                        holidays=[d for d, k in days if k == "holiday"],
                        workdays=[d for d, k in days if k == "workday"],
                        source=row.source, published_at=row.published_at,
                        published_by=row.published_by, version=row.version)


def _validate(year: int, holidays: Iterable[dt.date], workdays: Iterable[dt.date]) -> None:
    errors: dict[str, list[str]] = {}
    holidays, workdays = list(holidays), list(workdays)
    for name, days in (("holidays", holidays), ("workdays", workdays)):
        outside = sorted({d for d in days if d.year != year})
        if outside:
            errors.setdefault(name, []).append(
                f"日期不在 {year} 年内：{'、'.join(map(str, outside))}")
        if len(days) != len(set(days)):
            errors.setdefault(name, []).append("日期重复")
    weekdays = sorted(d for d in set(workdays) if d.weekday() < 5)
    if weekdays:
        errors.setdefault("workdays", []).append(
            f"调休上班日应为周末：{'、'.join(map(str, weekdays))} 本就是工作日")
    both = sorted(set(holidays) & set(workdays))
    if both:
        errors.setdefault("workdays", []).append(
            f"同一天不能既是假日又是调休上班日：{'、'.join(map(str, both))}")
    if errors:
        raise ValidationFailed(errors)


def _write_days(session: Session, year: int, holidays: Iterable[dt.date],
                workdays: Iterable[dt.date]) -> None:
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    rows = [{"day": d, "year": year, "kind": "holiday"} for d in sorted(set(holidays))]
    rows += [{"day": d, "year": year, "kind": "workday"} for d in sorted(set(workdays))]
    if rows:
        session.execute(insert(CalendarDay), rows)


def publish_year(session: Session, actor: Principal, year: int, holidays: Iterable[dt.date],
                 workdays: Iterable[dt.date]) -> YearSchedule:
    """Publish (or correct) a year's official schedule, audited; the open due dates
    that depend on the year are then recomputed, in batches, by the outbox consumers
    ``approvals.recompute_deadlines`` and ``disclosure.recompute_due_dates``. Commits."""
    from hub.outbox.services import enqueue

    require(actor, "calendar.write")
    _check_year(year)
    holidays, workdays = sorted(set(holidays)), sorted(set(workdays))
    _validate(year, holidays, workdays)
    before = get_year(session, year)
    now = clock.now()
    row = session.get(CalendarYear, year, with_for_update=True)
    if row is None:
        row = CalendarYear(year=year, source=ADMIN_SOURCE, published_at=now,
                           published_by=actor.username, version=1)
        session.add(row)
        session.flush()
    else:
        row.source, row.published_at, row.published_by = ADMIN_SOURCE, now, actor.username
        row.version += 1
    _write_days(session, year, holidays, workdays)
    audit.record(session, actor, "calendar.published", target_type="calendar", target_id=year,
                 before={"status": before.status, "holidays": before.holidays,
                         "workdays": before.workdays},
                 after={"status": "official", "holidays": holidays, "workdays": workdays,
                        "version": row.version})
    enqueue(session, "approvals.recompute_deadlines", {"year": year, "version": row.version},
            dedupe_key=f"calendar:{year}:v{row.version}")
    # The disclosure requests' statutory limits count on the same calendar.
    enqueue(session, "disclosure.recompute_due_dates", {"year": year, "version": row.version},
            dedupe_key=f"calendar:{year}:v{row.version}:disclosure")
    # The call center's tickets are due on the same calendar.
    enqueue(session, "tickets.recompute_deadlines", {"year": year, "version": row.version},
            dedupe_key=f"calendar:{year}:v{row.version}:tickets")
    invalidate_cache()
    session.commit()  # (in-process, the recompute runs right after this commit)
    return get_year(session, year)


def package_schedule() -> dict[int, tuple[list[dt.date], list[dt.date]]]:
    """The official schedules the ``chinese-calendar`` package knows, by year."""
    from chinese_calendar import constants

    years: dict[int, tuple[list[dt.date], list[dt.date]]] = {}
    for day in constants.holidays:
        years.setdefault(day.year, ([], []))[0].append(day)
    for day in constants.workdays:
        years.setdefault(day.year, ([], []))[1].append(day)
    return years


def seed_official_years(session: Session, actor: Principal) -> list[int]:
    """Load every year the ``chinese-calendar`` package knows that the database does not
    hold yet (a year published or corrected by an administrator is left alone). Safe to
    run again; commits. Returns the years added."""
    now = clock.now()
    added: list[int] = []
    for year, (holidays, workdays) in sorted(package_schedule().items()):
        inserted = session.execute(
            upsert(session, CalendarYear)
            .values(year=year, source=PACKAGE_SOURCE, published_at=now,
                    published_by=actor.username, version=1)
            .on_conflict_do_nothing(index_elements=["year"])
            .returning(CalendarYear.year)
        ).scalar_one_or_none()
        if inserted is not None:
            _write_days(session, year, holidays, workdays)
            added.append(year)
    if added:
        invalidate_cache()
        audit.record(session, actor, "calendar.seeded", target_type="calendar",
                     target_id=f"{added[0]}-{added[-1]}",
                     after={"years": added, "source": PACKAGE_SOURCE})
    session.commit()
    return added


__all__ = ["YearSchedule", "get_year", "invalidate_cache", "load_calendar", "package_schedule",
           "publish_year", "seed_official_years"]
