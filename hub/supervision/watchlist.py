"""The warnings list (预警清单): the open cases and pending steps showing a yellow or red
card now, filtered by center, department, colour and days overdue, counted exactly (the
count is the dashboard tiles' total: the same card rule over the same rows), for paging
and export. Plain indexed SQL over the open cases and pending tasks."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, true
from sqlalchemy.orm import Session

from hub.approvals import cards, queries, routing
from hub.approvals.calendar import WorkingCalendar, end_of_day, local_date
from hub.approvals.models import Application, ApprovalTask
from hub.permissions import Principal


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; None everywhere is every card."""

    center: str | None = None
    department: str | None = None
    level: str | None = None  # yellow | red; None: both
    days_overdue: int | None = None  # at least this many working days past the due day

    def query_args(self) -> dict[str, Any]:
        """As the page's query string has them (for links and exports)."""
        return {k: v for k, v in (("center", self.center), ("department", self.department),
                                  ("level", self.level), ("days", self.days_overdue))
                if v not in (None, "")}


def overdue_since(cal: WorkingCalendar, today: dt.date, days: int) -> dt.date:
    """The latest due day that lies at least ``days`` working days before ``today``: a
    case due on it or earlier is that late (working days in (due day, today])."""
    day, counted = today, 0
    while counted < days:
        counted += cal.is_working_day(day)
        day -= dt.timedelta(days=1)
    return day


def _showing(level: str | None, now: dt.datetime, due_at: Any, yellow_at: Any
             ) -> ColumnElement[bool]:
    levels = [level] if level else list(cards.LEVELS)
    return or_(*[queries.card_showing(lv, now, due_at, yellow_at) for lv in levels])


def _late_enough(filters: Filters, cal: WorkingCalendar, now: dt.datetime, due_at: Any
                 ) -> ColumnElement[bool]:
    if not filters.days_overdue:
        return true()
    last = overdue_since(cal, local_date(now), filters.days_overdue)
    return due_at <= end_of_day(last)  # type: ignore[no-any-return]


def _case_conditions(now: dt.datetime, cal: WorkingCalendar, filters: Filters
                     ) -> list[ColumnElement[bool]]:
    conditions = [Application.status == routing.IN_REVIEW,
                  _showing(filters.level, now, Application.due_at, Application.yellow_at),
                  _late_enough(filters, cal, now, Application.due_at)]
    if filters.department:
        conditions.append(exists().where(ApprovalTask.application_id == Application.id,
                                         ApprovalTask.status == routing.PENDING,
                                         ApprovalTask.department_code == filters.department))
    return conditions


def _step_conditions(now: dt.datetime, cal: WorkingCalendar, filters: Filters
                     ) -> list[ColumnElement[bool]]:
    conditions = [Application.status == routing.IN_REVIEW,
                  _showing(filters.level, now, ApprovalTask.due_at, ApprovalTask.yellow_at),
                  _late_enough(filters, cal, now, ApprovalTask.due_at)]
    if filters.center:
        conditions.append(Application.center_code == filters.center)
    return conditions


def cases(actor: Principal, now: dt.datetime, cal: WorkingCalendar,
          filters: Filters) -> Select[tuple[Application]]:
    """Open cases (clock running) showing a card; order by (due_at, id) for the most
    overdue first. ``department``: cases with a pending step of that department."""
    return queries.applications_query(actor, now, center=filters.center).where(
        *_case_conditions(now, cal, filters))


def steps(actor: Principal, now: dt.datetime, cal: WorkingCalendar,
          filters: Filters) -> Select[tuple[ApprovalTask]]:
    """Pending steps showing their own card (a step has its own limit: a late step shows
    even while its case is on time), their cases' clocks running."""
    return queries.tasks_query(actor, now, department=filters.department).where(
        *_step_conditions(now, cal, filters))


def _counted(session: Session, stmt: Select[Any]) -> dict[str, int]:
    counts = {shown: n for shown, n in session.execute(stmt)}
    red, yellow = counts.get(cards.RED, 0), counts.get(cards.YELLOW, 0)
    return {"red": red, "yellow": yellow, "total": red + yellow}


def count_cases(session: Session, now: dt.datetime, cal: WorkingCalendar,
                filters: Filters) -> dict[str, int]:
    """{"red", "yellow", "total"} of ``cases``, counted in SQL (the rows ``cases`` lists,
    whoever may list them: the caller checked that)."""
    card = queries.card_column(now, Application.due_at, Application.yellow_at)
    stmt = (select(card, func.count()).where(Application.deleted_at.is_(None),
                                             *_case_conditions(now, cal, filters))
            .group_by(card))
    if filters.center:
        stmt = stmt.where(Application.center_code == filters.center)
    return _counted(session, stmt)


def count_steps(session: Session, now: dt.datetime, cal: WorkingCalendar,
                filters: Filters) -> dict[str, int]:
    """{"red", "yellow", "total"} of ``steps``, counted in SQL."""
    card = queries.card_column(now, ApprovalTask.due_at, ApprovalTask.yellow_at)
    stmt = (select(card, func.count()).select_from(ApprovalTask)
            .join(Application, Application.id == ApprovalTask.application_id)
            .where(Application.deleted_at.is_(None), ApprovalTask.status == routing.PENDING,
                   *_step_conditions(now, cal, filters))
            .group_by(card))
    if filters.department:
        stmt = stmt.where(ApprovalTask.department_code == filters.department)
    return _counted(session, stmt)
