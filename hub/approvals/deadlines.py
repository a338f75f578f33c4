"""Deadlines over time: the yellow and red cards (红黄牌) raised as cases and tasks
cross their thresholds, and the due dates recomputed when a year's schedule is
published. Both work in bounded batches, one transaction each."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.approvals import cards, mapping, queries, routing
from hub.approvals.calendar import WorkingCalendar, end_of_day
from hub.approvals.calendar_services import load_calendar
from hub.approvals.models import Application, ApprovalTask, DeadlineWarning
from hub.approvals.services import apply_transition, load_application
from hub.db import upsert
from hub.outbox.services import enqueue
from hub.permissions import Principal

WARNINGS_ACTOR = Principal.system("beat:warnings")
CALENDAR_ACTOR = Principal.system("calendar:recompute")


@dataclasses.dataclass
class ScanReport:
    yellow: int = 0
    red: int = 0


def scan_levels(session: Session, candidates: Callable[[dt.datetime, str, int], Select[Any]],
                raise_card: Callable[..., bool], batch: int) -> ScanReport:
    """The scan of one kind of object (tickets, disclosure requests): per level, batches
    of ``candidates(now, level, batch)`` rows, each given to ``raise_card(session, now,
    level, *row)``; one commit per batch."""
    report = ScanReport()
    for level in cards.LEVELS:
        while True:
            now = clock.now()
            rows = session.execute(candidates(now, level, batch)).all()
            raised = sum(raise_card(session, now, level, *row) for row in rows)
            setattr(report, level, getattr(report, level) + raised)
            session.commit()
            if len(rows) < batch:
                break
    return report


def _not_warned(application_id: Any, task_id: Any, level: str) -> Any:
    task_match = (DeadlineWarning.task_id.is_(None) if task_id is None
                  else DeadlineWarning.task_id == task_id)
    return ~exists().where(DeadlineWarning.application_id == application_id, task_match,
                           DeadlineWarning.level == level)


def _case_candidates(now: dt.datetime, level: str, limit: int) -> Select[Any]:
    threshold = queries.card_reached(level, now, Application.due_at, Application.yellow_at)
    return (select(Application.id, Application.center_code, Application.due_at)
            .where(Application.status == routing.IN_REVIEW, Application.deleted_at.is_(None),
                   threshold, _not_warned(Application.id, None, level))
            .order_by(Application.due_at).limit(limit))


def _task_candidates(now: dt.datetime, level: str, limit: int) -> Select[Any]:
    threshold = queries.card_reached(level, now, ApprovalTask.due_at, ApprovalTask.yellow_at)
    # A task whose case waits for a supplement has its clock stopped: no card.
    return (select(ApprovalTask.application_id, Application.center_code, ApprovalTask.due_at,
                   ApprovalTask.id, ApprovalTask.department_code)
            .join(Application, Application.id == ApprovalTask.application_id)
            .where(ApprovalTask.status == routing.PENDING,
                   Application.status == routing.IN_REVIEW, threshold,
                   _not_warned(ApprovalTask.application_id, ApprovalTask.id, level))
            .order_by(ApprovalTask.due_at).limit(limit))


def _raise(session: Session, now: dt.datetime, level: str, application_id: uuid.UUID,
           center: str, due_at: dt.datetime, task_id: uuid.UUID | None = None,
           department: str | None = None) -> bool:
    key = f"{application_id}:{task_id or 'case'}:{level}"
    warning_id = session.execute(
        upsert(session, DeadlineWarning)
        .values(application_id=application_id, task_id=task_id, center_code=center,
                department_code=department, level=level, due_at=due_at, raised_at=now,
                dedupe_key=key)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(DeadlineWarning.id)).scalar_one_or_none()
    if warning_id is None:  # another scan raised it meanwhile
        return False
    audit.record(session, WARNINGS_ACTOR, f"warning.{level}", target_type="application",
                 target_id=application_id, center=center,
                 after={"level": level, "task_id": task_id, "department": department,
                        "due_at": due_at})
    enqueue(session, "approvals.notify",
            {"kind": "warning", "application_id": str(application_id),
             "warning_id": warning_id}, dedupe_key=f"notify:warning:{key}")
    return True


def scan_warnings(session: Session, *, batch: int = 500) -> ScanReport:
    """Record the cards of every case and task that crossed a threshold since the last
    scan: one row per level (with when it was raised), audited, with a notification.
    Commits once per batch."""
    report = ScanReport()
    for level in cards.LEVELS:
        while True:
            now = clock.now()
            cases = session.execute(_case_candidates(now, level, batch)).all()
            tasks = session.execute(_task_candidates(now, level, batch)).all()
            raised = sum(_raise(session, now, level, a, c, d) for a, c, d in cases)
            raised += sum(_raise(session, now, level, a, c, d, t, dep)
                          for a, c, d, t, dep in tasks)
            setattr(report, level, getattr(report, level) + raised)
            session.commit()
            if len(cases) < batch and len(tasks) < batch:
                break
    return report


def recompute_deadlines(session: Session, year: int, *, batch: int = 200) -> int:
    """Recompute the open due dates that reach into ``year`` (its schedule was just
    published or corrected), a batch of cases per transaction, with an audit record per
    case whose dates changed. Safe to run again. Returns the number of cases changed."""
    start = end_of_day(dt.date(year - 1, 12, 31))  # the last second of the year before
    reaches = or_(Application.due_at > start, exists().where(
        ApprovalTask.application_id == Application.id,
        ApprovalTask.status.in_(routing.OPEN_TASK_STATUSES), ApprovalTask.due_at > start))
    changed, last = 0, None
    while True:
        stmt = (select(Application.id)
                .where(Application.status.in_(routing.OPEN_STATUSES),
                       Application.deleted_at.is_(None), Application.routing.is_not(None),
                       reaches)
                .order_by(Application.id).limit(batch))
        if last is not None:
            stmt = stmt.where(Application.id > last)
        ids = session.scalars(stmt).all()
        if not ids:
            return changed
        cal = load_calendar(session)
        for application_id in ids:
            changed += _recompute_one(session, application_id, cal, year)
        session.commit()
        last = ids[-1]


def _recompute_one(session: Session, application_id: uuid.UUID, cal: WorkingCalendar,
                   year: int) -> int:
    app = load_application(session, application_id, lock=True)
    if app.status not in routing.OPEN_STATUSES:
        return 0
    transition = routing.recompute(mapping.case_plain(app), cal=cal)
    if transition.after.deadline == transition.before.deadline and not transition.changed:
        return 0
    before = {"due_at": app.due_at, "due_at_provisional": app.due_at_provisional,
              "tasks": [mapping.task_summary(t) for t in app.tasks if t.status in
                        routing.OPEN_TASK_STATUSES]}
    apply_transition(session, app, transition, clock.now())
    audit.record(session, CALENDAR_ACTOR, "application.deadline_recomputed",
                 target_type="application", target_id=app.id, center=app.center_code,
                 before=before,
                 after={"due_at": app.due_at, "due_at_provisional": app.due_at_provisional,
                        "calendar_year": year,
                        "tasks": [mapping.task_summary(t) for t in app.tasks
                                  if t.status in routing.OPEN_TASK_STATUSES]})
    return 1


__all__ = ["ScanReport", "recompute_deadlines", "scan_warnings"]
