"""Rollups: the counts e-supervision reads, kept in the transaction of each change.

One row per center (or department) per Asia/Shanghai day: every submission of a
center already serialises on that center's audit chain, so a per-center-per-day
row adds no new hot spot (a single global counter row would). Reading a year of
them costs 16 × 365 rows, whatever the number of applications.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.approvals.models import Application, ApprovalTask
from hub.db import Base

_OPEN = "status IN ('in_review', 'supplement_requested') AND deleted_at IS NULL"
_WAITING = "status = 'supplement_requested'"
_PENDING = "status = 'pending'"

# What the metrics count at every scrape, from indexes alone (index-only scans): the open
# cases and their cards, the cases waiting for a supplement, the departments' pending
# tasks — a few thousand entries beside the millions of concluded cases and decided
# tasks, so a scrape costs the same with a million applications as with a thousand.
_applications, _tasks = Application.__table__.c, ApprovalTask.__table__.c
Index("ix_applications_open_cards", _applications.center_code, _applications.status,
      _applications.due_at, _applications.yellow_at, _applications.submitted_at,
      postgresql_where=text(_OPEN), sqlite_where=text(_OPEN))
Index("ix_applications_waiting", _applications.id,
      postgresql_where=text(_WAITING), sqlite_where=text(_WAITING))
Index("ix_approval_tasks_pending", _tasks.department_code, _tasks.due_at, _tasks.yellow_at,
      _tasks.opened_at, _tasks.application_id,
      postgresql_where=text(_PENDING), sqlite_where=text(_PENDING))


class CenterDay(Base):
    """A center's cases on one day: received that day, and concluded that day by
    outcome and punctuality (see ``hub.supervision.indicators``)."""

    __tablename__ = "supervision_center_days"

    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    submitted: Mapped[int] = mapped_column(default=0, server_default="0")
    approved_on_time: Mapped[int] = mapped_column(default=0, server_default="0")
    approved_late: Mapped[int] = mapped_column(default=0, server_default="0")
    rejected_on_time: Mapped[int] = mapped_column(default=0, server_default="0")
    rejected_late: Mapped[int] = mapped_column(default=0, server_default="0")
    withdrawn_on_time: Mapped[int] = mapped_column(default=0, server_default="0")
    withdrawn_late: Mapped[int] = mapped_column(default=0, server_default="0")
    early: Mapped[int] = mapped_column(default=0, server_default="0")
    last_day: Mapped[int] = mapped_column(default=0, server_default="0")
    # Supplement requests (补正) that stopped a case's clock on this day.
    supplement_requests: Mapped[int] = mapped_column(default=0, server_default="0")


class CenterWorkingDays(Base):
    """How many of a center's cases concluded on ``day`` used ``working_days``
    (for the average, median and 90th percentile without reading the cases)."""

    __tablename__ = "supervision_center_working_days"

    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    working_days: Mapped[int] = mapped_column(primary_key=True)
    cases: Mapped[int] = mapped_column(default=0, server_default="0")


class DepartmentDay(Base):
    """A department's tasks on one day: opened that day, and decided that day."""

    __tablename__ = "supervision_department_days"

    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"),
                                                 primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    opened: Mapped[int] = mapped_column(default=0, server_default="0")
    approved_on_time: Mapped[int] = mapped_column(default=0, server_default="0")
    approved_late: Mapped[int] = mapped_column(default=0, server_default="0")
    rejected_on_time: Mapped[int] = mapped_column(default=0, server_default="0")
    rejected_late: Mapped[int] = mapped_column(default=0, server_default="0")
    supplement_requests: Mapped[int] = mapped_column(default=0, server_default="0")
    early: Mapped[int] = mapped_column(default=0, server_default="0")
    last_day: Mapped[int] = mapped_column(default=0, server_default="0")
    # Every decision (approve, reject, supplement request): count and total seconds
    # from the task's opening, for hub_task_decision_duration_seconds.
    decisions: Mapped[int] = mapped_column(default=0, server_default="0")
    decision_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")


class DepartmentWorkingDays(Base):
    """How many of a department's tasks approved or rejected on ``day`` used ``working_days``."""

    __tablename__ = "supervision_department_working_days"

    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"),
                                                 primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    working_days: Mapped[int] = mapped_column(primary_key=True)
    cases: Mapped[int] = mapped_column(default=0, server_default="0")


class DecisionDuration(Base):
    """The decision-duration histogram: decisions on ``day`` whose duration falls in the
    bucket bounded by ``le`` (non-cumulative; ``+Inf`` for over twenty days)."""

    __tablename__ = "supervision_decision_durations"

    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"),
                                                 primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    le: Mapped[str] = mapped_column(String(16), primary_key=True)
    decisions: Mapped[int] = mapped_column(default=0, server_default="0")


NOTICE_STATUSES = ("open", "answered")


class SupervisionNotice(Base):
    """A supervision notice (督办): an official asks the department handling a case to
    explain it in writing by a deadline (working days). Answered once; an open notice
    past its ``due_at`` is overdue (its red card, ``hub.approvals.cards``)."""

    __tablename__ = "supervision_notices"
    __table_args__ = (
        Index("ix_supervision_notices_application", "application_id"),
        Index("ix_supervision_notices_department", "department_code", "status", "due_at"),
        Index("ix_supervision_notices_center", "center_code", "issued_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # DB-20261204-0001
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"))
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    content: Mapped[str] = mapped_column(Text)  # what is to be explained
    status: Mapped[str] = mapped_column(String(16), default="open")
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime]
    answer_days: Mapped[int]
    due_at: Mapped[dt.datetime]
    due_at_provisional: Mapped[bool] = mapped_column(default=False)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)
