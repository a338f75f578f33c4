"""Cases and tasks built straight through the models, counted the way the routing
services and the sync count theirs (``track_*`` in the same transaction, or
``refresh`` after a batch)."""
from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from sqlalchemy.orm import Session

from hub.approvals.models import Application, ApprovalTask
from hub.supervision import indicators as ind
from hub.supervision import rollups
from hub.timezones import SHANGHAI

_numbers = itertools.count(1)


def at(day: str, time: str = "09:00:00") -> dt.datetime:
    """Asia/Shanghai wall-clock time as an aware UTC instant."""
    local = dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)
    return local.astimezone(dt.timezone.utc)


def due(day: str) -> dt.datetime:
    return at(day, "23:59:59")


def application(session: Session, center: str, submitted_at: dt.datetime, *,
                status: str = "in_review", due_at: dt.datetime | None = None,
                yellow_at: dt.datetime | None = None, concluded_at: dt.datetime | None = None,
                paused_working_days: int = 0, paused_at: dt.datetime | None = None,
                reason: str | None = None, item: str = "open-restaurant",
                source: str = "hub", track: bool = True) -> Application:
    """One case, written and (``track``) counted in one transaction."""
    n = next(_numbers)
    row = Application(
        id=uuid.uuid4(), number=f"T{uuid.uuid4().hex[:10]}{n}", center_code=center,
        service_item_code=item, status=status, stage=1, source=source,
        external_id=f"ext-{n}-{uuid.uuid4().hex[:6]}" if source == "sync" else None,
        applicant_name="张*", form={}, submitted_at=submitted_at, due_at=due_at,
        yellow_at=yellow_at, paused_at=paused_at, paused_working_days=paused_working_days,
        concluded_at=concluded_at, status_reason=reason, created_at=submitted_at,
        updated_at=concluded_at or submitted_at)
    with session.begin():
        session.add(row)
        session.flush()
        if track:
            rollups.track_application(session, row, None)
    return row


def change(session: Session, row: Application, **values: Any) -> Application:
    """A status change, counted in its transaction as the routing services do."""
    with session.begin():
        row = session.merge(row)
        previous = row.status
        for key, value in values.items():
            setattr(row, key, value)
        session.flush()
        rollups.track_application(session, row, previous)
    return row


def task(session: Session, app: Application, department: str, opened_at: dt.datetime, *,
         status: str = "pending", due_at: dt.datetime, yellow_at: dt.datetime | None = None,
         decided_at: dt.datetime | None = None, paused_working_days: int = 0,
         stage: int = 1) -> ApprovalTask:
    row = ApprovalTask(
        id=uuid.uuid4(), application_id=app.id, stage=stage, department_code=department, days=5,
        status="pending", opened_at=opened_at, due_at=due_at,
        yellow_at=yellow_at or due_at - dt.timedelta(days=1),
        paused_working_days=paused_working_days, created_at=opened_at, updated_at=opened_at)
    with session.begin():
        session.add(row)
        session.flush()
        rollups.track_task(session, row, None)
    if status != "pending":
        decide(session, row, status, decided_at or opened_at)
    return row


def decide(session: Session, row: ApprovalTask, status: str, decided_at: dt.datetime
           ) -> ApprovalTask:
    with session.begin():
        row = session.merge(row)
        previous = row.status
        row.status, row.decided_at = status, decided_at
        session.flush()
        rollups.track_task(session, row, previous)
    return row


def plain(row: Application) -> ind.Case:
    return ind.Case(submitted_at=row.submitted_at, status=row.status, due_at=row.due_at,
                    yellow_at=row.yellow_at, concluded_at=row.concluded_at,
                    paused_working_days=row.paused_working_days,
                    paused=row.status == "supplement_requested")


def plain_task(row: ApprovalTask, case_paused: bool = False,
               supplements: tuple[dt.datetime, ...] = ()) -> ind.Case:
    return ind.Case(submitted_at=row.opened_at, status=row.status, due_at=row.due_at,
                    yellow_at=row.yellow_at, concluded_at=row.decided_at,
                    paused_working_days=row.paused_working_days, paused=case_paused,
                    supplements=supplements)
