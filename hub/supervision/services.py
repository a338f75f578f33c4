"""E-supervision queries: the figures per center and per department, the ranking of the
fifteen streets, and the live counts the metrics export.

Counts of a period come from the daily rollups (``hub.supervision.rollups``, kept in
the transaction of each change), so a year costs 16 × 365 rows whatever the number
of cases; what is open *now* comes from the partial indexes on open cases and
pending tasks. The formulas and their definitions are in ``indicators``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from hub.approvals import cards
from hub.approvals.models import OPEN_APPLICATION_STATUSES, Application, ApprovalTask
from hub.approvals.queries import card_column, card_reached
from hub.approvals.routing import IN_REVIEW
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


def in_instants(column: Any, start: dt.date | None, end: dt.date | None
                ) -> ColumnElement[bool]:
    """``column`` (an instant) within the Asia/Shanghai dates ``start``–``end``, inclusive;
    open-ended where one is None."""
    lower, upper = ind.period_bounds(start, end)
    conditions = []
    if lower is not None:
        conditions.append(column >= lower)
    if upper is not None:
        conditions.append(column < upper)
    return and_(true(), *conditions)


def open_applications(session: Session, now: dt.datetime, start: dt.date | None = None,
                      end: dt.date | None = None) -> dict[tuple[str, cards.Card], int]:
    """{(center, card): open cases} of the cases received in the period (all open cases
    without one); the card is None, yellow or red (``hub.approvals.cards``). Reads only
    the partial index of open cases and their rows."""
    card = card_column(now, Application.due_at, Application.yellow_at,
                       Application.status == "supplement_requested")
    rows = session.execute(
        select(Application.center_code, card, func.count())
        .where(Application.status.in_(OPEN_APPLICATION_STATUSES),
               Application.deleted_at.is_(None),
               in_instants(Application.submitted_at, start, end))
        .group_by(Application.center_code, card))
    return {(center, shown): n for center, shown, n in rows}


def open_tasks(session: Session, now: dt.datetime, start: dt.date | None = None,
               end: dt.date | None = None) -> dict[tuple[str, cards.Card], int]:
    """{(department, card): pending tasks} — a department's queue (待办) — of the tasks
    opened in the period (every pending task without one). A task of a case waiting for
    a supplement has its clock stopped: no card."""
    # The few cases waiting for a supplement, as a hashed sub-plan (from the partial index
    # of open cases): a join would make PostgreSQL read every application.
    waiting = select(Application.id).where(Application.status == "supplement_requested")
    card = card_column(now, ApprovalTask.due_at, ApprovalTask.yellow_at,
                       ApprovalTask.application_id.in_(waiting))
    rows = session.execute(
        select(ApprovalTask.department_code, card, func.count())
        .where(ApprovalTask.status == "pending",
               in_instants(ApprovalTask.opened_at, start, end))
        .group_by(ApprovalTask.department_code, card))
    return {(department, shown): n for department, shown, n in rows}


def overdue_applications(session: Session, now: dt.datetime, start: dt.date | None = None,
                         end: dt.date | None = None) -> dict[str, int]:
    """{center: open cases, clock running, whose ``due_at`` lies in the period and has
    passed at ``now``} (``indicators.is_overdue``), whenever they were received. A range
    on ``due_at`` in the partial index of open cases: no case is read."""
    rows = session.execute(
        select(Application.center_code, func.count())
        .where(Application.status == IN_REVIEW, Application.deleted_at.is_(None),
               card_reached(cards.RED, now, Application.due_at, Application.yellow_at),
               in_instants(Application.due_at, start, end))
        .group_by(Application.center_code))
    return {center: n for center, n in rows}


def overdue_tasks(session: Session, now: dt.datetime, start: dt.date | None = None,
                  end: dt.date | None = None) -> dict[str, int]:
    """{department: pending tasks past their own ``due_at``, which lies in the period}; a
    task of a case waiting for a supplement has its clock stopped and is not counted."""
    waiting = select(Application.id).where(Application.status == "supplement_requested")
    rows = session.execute(
        select(ApprovalTask.department_code, func.count())
        .where(ApprovalTask.status == "pending",
               card_reached(cards.RED, now, ApprovalTask.due_at, ApprovalTask.yellow_at),
               in_instants(ApprovalTask.due_at, start, end),
               ApprovalTask.application_id.not_in(waiting))
        .group_by(ApprovalTask.department_code))
    return {department: n for department, n in rows}


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


def _add_open(tallies: dict[str, ind.Tally],
              counts: dict[tuple[str, cards.Card], int]) -> None:
    for (code, shown), n in counts.items():
        tally = tallies.get(code)
        if tally is not None:
            tally.count_open(shown, n)


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
               func.sum(c.early), func.sum(c.last_day), func.sum(c.supplement_requests))
        .where(_in_period(c.day, start, end)).group_by(c.center_code))
    for code, received, punctual, late, early, last, supplements in rows:
        tally = tallies.setdefault(code, ind.Tally())
        tally.received, tally.on_time = int(received or 0), int(punctual or 0)
        tally.concluded = tally.on_time + int(late or 0)
        tally.early, tally.last_day = int(early or 0), int(last or 0)
        tally.supplement_requests = int(supplements or 0)
    for code, distribution in _distributions(session, CenterWorkingDays,
                                             CenterWorkingDays.center_code, start, end).items():
        tallies.setdefault(code, ind.Tally()).working_days = distribution
    _add_open(tallies, open_applications(session, now, start, end))
    for code, n in overdue_applications(session, now, start, end).items():
        tallies.setdefault(code, ind.Tally()).overdue = n
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
               func.sum(d.early), func.sum(d.last_day), func.sum(d.supplement_requests))
        .where(_in_period(d.day, start, end)).group_by(d.department_code))
    for code, opened, punctual, late, early, last, supplements in rows:
        tally = tallies.setdefault(code, ind.Tally())
        tally.received, tally.on_time = int(opened or 0), int(punctual or 0)
        tally.concluded = tally.on_time + int(late or 0)
        tally.early, tally.last_day = int(early or 0), int(last or 0)
        tally.supplement_requests = int(supplements or 0)
    for code, distribution in _distributions(
            session, DepartmentWorkingDays, DepartmentWorkingDays.department_code,
            start, end).items():
        tallies.setdefault(code, ind.Tally()).working_days = distribution
    _add_open(tallies, open_tasks(session, now, start, end))
    for code, n in overdue_tasks(session, now, start, end).items():
        tallies.setdefault(code, ind.Tally()).overdue = n
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
                   end: dt.date | None = None,
                   satisfaction: Mapping[str, float | None] | None = None
                   ) -> list[dict[str, Any]]:
    """The fifteen street centers ranked by timeliness rate (``indicators.rank``), each
    with its composite score (``indicators.composite_score``) beside it; ``satisfaction``
    is {center: satisfaction rate} when ratings are known (absent: not counted)."""
    rows = []
    for row in center_figures(session, now, start, end):
        if row["level"] != STREET:
            continue
        rate = (satisfaction or {}).get(row["center"])
        rows.append({**row, "satisfaction_rate": rate,
                     "composite_score": ind.composite_score(
                         row["timeliness_rate"], rate, row["supplements_per_case"])})
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
