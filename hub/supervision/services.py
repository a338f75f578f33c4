"""E-supervision queries: the figures per center and per department, the ranking of the
fifteen streets, and the live counts the metrics export.

Counts of a period come from the daily rollups (``hub.supervision.rollups``, kept in
the transaction of each change), so a year costs 16 × 365 rows whatever the number
of cases; what is open *now* comes from the partial indexes on open cases and
pending tasks. The formulas and their definitions are in ``indicators``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import Session

from hub.approvals.models import OPEN_APPLICATION_STATUSES, Application, ApprovalTask
from hub.directory.models import Center, Department
from hub.supervision import indicators as ind
from hub.supervision.models import (
    CenterDay,
    CenterWorkingDays,
    DecisionDuration,
    DepartmentDay,
    DepartmentWorkingDays,
)

STREET = "street"


def _in_period(column: Any, start: dt.date | None, end: dt.date | None) -> ColumnElement[bool]:
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column <= end)
    return and_(true(), *conditions)


def _in_instants(column: Any, start: dt.date | None, end: dt.date | None
                 ) -> ColumnElement[bool]:
    lower, upper = ind.period_bounds(start, end)
    conditions = []
    if lower is not None:
        conditions.append(column >= lower)
    if upper is not None:
        conditions.append(column < upper)
    return and_(true(), *conditions)


def warning_case(now: dt.datetime, due_at: Any, yellow_at: Any,
                 paused: ColumnElement[bool] | None = None) -> Any:
    """``indicators.warning`` as SQL, so open cases are counted in the database.

    Red once ``now`` is past the last second of ``due_at``: ``due_at < now`` truncated
    to the second (deadlines fall on whole seconds).
    """
    whens: list[tuple[Any, str]] = []
    if paused is not None:
        whens.append((paused, "none"))
    whens += [(due_at.is_(None), "none"),
              (due_at < now.replace(microsecond=0), "red"),
              (and_(yellow_at.is_not(None), yellow_at <= now), "yellow")]
    return case(*whens, else_="none")


def open_applications(session: Session, now: dt.datetime, start: dt.date | None = None,
                      end: dt.date | None = None) -> dict[tuple[str, str], int]:
    """{(center, warning): open cases} of the cases received in the period (all open
    cases without one). Reads only the partial index of open cases and their rows."""
    card = warning_case(now, Application.due_at, Application.yellow_at,
                        Application.status == "supplement_requested")
    rows = session.execute(
        select(Application.center_code, card, func.count())
        .where(Application.status.in_(OPEN_APPLICATION_STATUSES),
               Application.deleted_at.is_(None),
               _in_instants(Application.submitted_at, start, end))
        .group_by(Application.center_code, card))
    return {(center, warning): n for center, warning, n in rows}


def open_tasks(session: Session, now: dt.datetime, start: dt.date | None = None,
               end: dt.date | None = None) -> dict[tuple[str, str], int]:
    """{(department, warning): pending tasks} — a department's queue (待办) — of the tasks
    opened in the period (every pending task without one). A task of a case waiting for
    a supplement has its clock stopped: no card."""
    # The few cases waiting for a supplement, as a hashed sub-plan (from the partial index
    # of open cases): a join would make PostgreSQL read every application.
    waiting = select(Application.id).where(Application.status == "supplement_requested")
    card = warning_case(now, ApprovalTask.due_at, ApprovalTask.yellow_at,
                        ApprovalTask.application_id.in_(waiting))
    rows = session.execute(
        select(ApprovalTask.department_code, card, func.count())
        .where(ApprovalTask.status == "pending",
               _in_instants(ApprovalTask.opened_at, start, end))
        .group_by(ApprovalTask.department_code, card))
    return {(department, warning): n for department, warning, n in rows}


def _distributions(session: Session, model: Any, key: Any, start: dt.date | None,
                   end: dt.date | None) -> dict[str, dict[int, int]]:
    rows = session.execute(
        select(key, model.working_days, func.sum(model.cases))
        .where(_in_period(model.day, start, end))
        .group_by(key, model.working_days))
    result: dict[str, dict[int, int]] = {}
    for code, used, cases in rows:
        result.setdefault(code, {})[used] = int(cases or 0)
    return result


def _add_open(tallies: dict[str, ind.Tally], counts: dict[tuple[str, str], int]) -> None:
    for (code, warning), n in counts.items():
        tally = tallies.get(code)
        if tally is None:
            continue
        tally.in_progress += n
        if warning in ("yellow", "red"):
            setattr(tally, warning, getattr(tally, warning) + n)


def center_tallies(session: Session, now: dt.datetime, start: dt.date | None = None,
                   end: dt.date | None = None) -> dict[str, ind.Tally]:
    """The counts behind each center's figures, for every center (zeros included)."""
    codes = session.scalars(select(Center.code).order_by(Center.position, Center.code)).all()
    tallies = {code: ind.Tally() for code in codes}
    c = CenterDay
    rows = session.execute(
        select(c.center_code, func.sum(c.submitted),
               func.sum(c.approved_on_time + c.rejected_on_time + c.withdrawn_on_time),
               func.sum(c.approved_late + c.rejected_late + c.withdrawn_late),
               func.sum(c.early), func.sum(c.last_day))
        .where(_in_period(c.day, start, end)).group_by(c.center_code))
    for code, received, punctual, late, early, last in rows:
        tally = tallies.setdefault(code, ind.Tally())
        tally.received, tally.on_time = int(received or 0), int(punctual or 0)
        tally.concluded = tally.on_time + int(late or 0)
        tally.early, tally.last_day = int(early or 0), int(last or 0)
    for code, distribution in _distributions(session, CenterWorkingDays,
                                             CenterWorkingDays.center_code, start, end).items():
        tallies.setdefault(code, ind.Tally()).working_days = distribution
    _add_open(tallies, open_applications(session, now, start, end))
    return tallies


def department_tallies(session: Session, now: dt.datetime, start: dt.date | None = None,
                       end: dt.date | None = None) -> dict[str, ind.Tally]:
    """The counts behind each department's figures, for every department."""
    codes = session.scalars(select(Department.code).order_by(Department.code)).all()
    tallies = {code: ind.Tally() for code in codes}
    d = DepartmentDay
    rows = session.execute(
        select(d.department_code, func.sum(d.opened),
               func.sum(d.approved_on_time + d.rejected_on_time),
               func.sum(d.approved_late + d.rejected_late),
               func.sum(d.early), func.sum(d.last_day))
        .where(_in_period(d.day, start, end)).group_by(d.department_code))
    for code, opened, punctual, late, early, last in rows:
        tally = tallies.setdefault(code, ind.Tally())
        tally.received, tally.on_time = int(opened or 0), int(punctual or 0)
        tally.concluded = tally.on_time + int(late or 0)
        tally.early, tally.last_day = int(early or 0), int(last or 0)
    for code, distribution in _distributions(
            session, DepartmentWorkingDays, DepartmentWorkingDays.department_code,
            start, end).items():
        tallies.setdefault(code, ind.Tally()).working_days = distribution
    _add_open(tallies, open_tasks(session, now, start, end))
    return tallies


def center_figures(session: Session, now: dt.datetime, start: dt.date | None = None,
                   end: dt.date | None = None) -> list[dict[str, Any]]:
    """One row per center (the district first, then the streets in the centers file's
    order): ``center, name, level`` and ``indicators.figures``."""
    centers = session.execute(
        select(Center.code, Center.name, Center.level).order_by(Center.position, Center.code)
    ).all()
    tallies = center_tallies(session, now, start, end)
    return [{"center": code, "name": name, "level": level, **ind.figures(tallies[code])}
            for code, name, level in centers]


def department_figures(session: Session, now: dt.datetime, start: dt.date | None = None,
                       end: dt.date | None = None) -> list[dict[str, Any]]:
    """One row per department, over its tasks: ``department, name`` and the figures."""
    departments = session.execute(
        select(Department.code, Department.name).order_by(Department.code)).all()
    tallies = department_tallies(session, now, start, end)
    return [{"department": code, "name": name, **ind.figures(tallies[code])}
            for code, name in departments]


def street_ranking(session: Session, now: dt.datetime, start: dt.date | None = None,
                   end: dt.date | None = None) -> list[dict[str, Any]]:
    """The fifteen street centers ranked by on-time rate (``indicators.rank``)."""
    rows = [row for row in center_figures(session, now, start, end) if row["level"] == STREET]
    return ind.rank(rows)  # type: ignore[arg-type]


# -- For the metrics ------------------------------------------------------------------------


def submitted_totals(session: Session) -> dict[str, int]:
    """{center: cases received, all time}."""
    rows = session.execute(select(CenterDay.center_code, func.sum(CenterDay.submitted))
                           .group_by(CenterDay.center_code))
    return {code: int(n or 0) for code, n in rows}


_CONCLUDED_COLUMNS = {(outcome, punctual): f"{outcome}_{'on_time' if punctual else 'late'}"
                      for outcome in ind.APPLICATION_OUTCOMES for punctual in (True, False)}


def concluded_totals(session: Session) -> dict[tuple[str, str, bool], int]:
    """{(center, outcome, on_time): cases concluded, all time}."""
    columns = list(_CONCLUDED_COLUMNS.items())
    rows = session.execute(
        select(CenterDay.center_code,
               *[func.sum(getattr(CenterDay, name)) for _, name in columns])
        .group_by(CenterDay.center_code))
    totals: dict[tuple[str, str, bool], int] = {}
    for code, *sums in rows:
        for ((outcome, punctual), _), n in zip(columns, sums, strict=True):
            totals[(code, outcome, punctual)] = int(n or 0)
    return totals


def decision_histograms(session: Session) -> dict[str, tuple[list[tuple[str, int]], float]]:
    """{department: ([(le, cumulative decisions), …, ("+Inf", total)], seconds summed)}."""
    per_bucket: dict[str, dict[str, int]] = {}
    for code, le, n in session.execute(
            select(DecisionDuration.department_code, DecisionDuration.le,
                   func.sum(DecisionDuration.decisions))
            .group_by(DecisionDuration.department_code, DecisionDuration.le)):
        per_bucket.setdefault(code, {})[le] = int(n or 0)
    sums = dict(session.execute(
        select(DepartmentDay.department_code, func.sum(DepartmentDay.decision_seconds))
        .group_by(DepartmentDay.department_code)).all())
    result: dict[str, tuple[list[tuple[str, int]], float]] = {}
    for code in set(per_bucket) | set(sums):
        counts = per_bucket.get(code, {})
        cumulative, running = [], 0
        for bound in ind.DECISION_BUCKETS:
            label = ind.le_label(bound)
            running += counts.get(label, 0)
            cumulative.append((label, running))
        result[code] = (cumulative, float(sums.get(code) or 0.0))
    return result


def codes(session: Session) -> tuple[Sequence[str], Sequence[str]]:
    """(every center code, every department code): the label values metrics initialise."""
    return (session.scalars(select(Center.code).order_by(Center.position, Center.code)).all(),
            session.scalars(select(Department.code).order_by(Department.code)).all())
