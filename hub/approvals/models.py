"""Applications (办件) and their approval tasks, one per department and stage."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, BigIntPK

APPLICATION_STATUSES = ("in_review", "supplement_requested", "approved", "rejected", "withdrawn")
OPEN_APPLICATION_STATUSES = ("in_review", "supplement_requested")
CONCLUDED_APPLICATION_STATUSES = ("approved", "rejected", "withdrawn")
TASK_STATUSES = ("pending", "approved", "rejected", "supplement_requested", "cancelled")
SOURCE_HUB = "hub"
SOURCE_SYNC = "sync"

_OPEN = "status IN ('in_review', 'supplement_requested')"


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("center_code", "external_id"),
        Index("ix_applications_center_submitted", "center_code", "submitted_at"),
        Index("ix_applications_concluded", "concluded_at"),
        # Cases in progress are few beside the years of concluded ones: index only them.
        Index("ix_applications_open", "center_code", "due_at",
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
        Index("ix_applications_applicant_id_hash", "applicant_id_hash"),
        # ?warning=yellow is a plain range filter on yellow_at over the open cases.
        Index("ix_applications_open_yellow", "center_code", "yellow_at",
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    service_item_code: Mapped[str] = mapped_column(ForeignKey("service_items.code"))
    status: Mapped[str] = mapped_column(String(24))
    stage: Mapped[int] = mapped_column(default=1)  # 1-based; the stage now open
    source: Mapped[str] = mapped_column(String(16), default=SOURCE_HUB)
    external_id: Mapped[str | None] = mapped_column(String(128))

    applicant_name: Mapped[str] = mapped_column(String(100))
    # ID number and phone: encrypted, with a keyed hash for look-ups and the masked form.
    applicant_id_encrypted: Mapped[str | None] = mapped_column(Text)
    applicant_id_hash: Mapped[str | None] = mapped_column(String(64))
    applicant_id_masked: Mapped[str | None] = mapped_column(String(32))
    applicant_phone_encrypted: Mapped[str | None] = mapped_column(Text)
    applicant_phone_hash: Mapped[str | None] = mapped_column(String(64))
    applicant_phone_masked: Mapped[str | None] = mapped_column(String(32))

    form: Mapped[dict[str, Any]]
    # The item's stages and limits as they were at submission: the case keeps them
    # even if the item is changed later (None for cases synced from a center's system).
    routing: Mapped[dict[str, Any] | None]
    submitted_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime | None]
    # From this instant the case is yellow (due_at minus the item's yellow threshold).
    yellow_at: Mapped[dt.datetime | None]
    due_at_provisional: Mapped[bool] = mapped_column(default=False)
    paused_at: Mapped[dt.datetime | None]  # a supplement request stopped the clock
    paused_working_days: Mapped[int] = mapped_column(default=0)
    concluded_at: Mapped[dt.datetime | None]
    status_reason: Mapped[str | None] = mapped_column(Text)  # why rejected or withdrawn
    result_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    result_issued_at: Mapped[dt.datetime | None]
    deleted_at: Mapped[dt.datetime | None]  # tombstone of a case deleted upstream
    # The receipt code's keyed hash (hub.receipts); the code itself is printed once.
    receipt_code_hash: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    tasks: Mapped[list[ApprovalTask]] = relationship(
        back_populates="application", order_by="(ApprovalTask.stage, ApprovalTask.department_code)"
    )


class ApprovalTask(Base):
    __tablename__ = "approval_tasks"
    __table_args__ = (
        UniqueConstraint("application_id", "stage", "department_code"),
        Index("ix_approval_tasks_queue", "department_code", "status", "due_at"),
        Index("ix_approval_tasks_yellow", "department_code", "status", "yellow_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[int]
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    days: Mapped[int]
    status: Mapped[str] = mapped_column(String(24), default="pending")
    assignee: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime]
    yellow_at: Mapped[dt.datetime]
    due_at_provisional: Mapped[bool] = mapped_column(default=False)
    # Working days this task's clock stood still for supplements (its due date moved by them).
    paused_working_days: Mapped[int] = mapped_column(default=0, server_default="0")
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    application: Mapped[Application] = relationship(back_populates="tasks")


class IdempotencyRecord(Base):
    """A write's ``Idempotency-Key``, unique per scope (what was written: an application,
    an appointment) and center: a replay returns the original result (hub.idempotency)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "center_code", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(32), default="application",
                                       server_default="application")
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.id"))
    # What else a replay needs to answer as the first time did (ids; secrets encrypted).
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime]


class NumberSequence(Base):
    """Counters for human-readable case and result numbers, one row per scope and day."""

    __tablename__ = "number_sequences"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class CalendarYear(Base):
    """A year whose official schedule (holidays and make-up working days) is known.

    Years without a row are provisional: weekends and the computed statutory holidays.
    """

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(32))  # chinese-calendar | admin
    published_at: Mapped[dt.datetime]
    published_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)


class CalendarDay(Base):
    """One day of an official year that differs from the plain week: a public holiday,
    or a make-up working day (调休上班) on a weekend."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year", ondelete="CASCADE"),
                                      index=True)
    kind: Mapped[str] = mapped_column(String(16))


class DeadlineWarning(Base):
    """A yellow or red card (红黄牌), raised once per level for an application or one of
    its tasks, so officials see when a case went yellow, not only that it is."""

    __tablename__ = "deadline_warnings"
    __table_args__ = (Index("ix_deadline_warnings_center_raised", "center_code", "raised_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("approval_tasks.id", ondelete="CASCADE"))
    center_code: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8))
    due_at: Mapped[dt.datetime]  # the due date it was raised against
    raised_at: Mapped[dt.datetime]
    # "<application>:<task or case>:<level>": once per level, even if two scans overlap.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)


class Notification(Base):
    """A message to the staff of a center or a department (站内提醒): a new task in the
    queue, a case concluded, a warning raised. Written by an outbox consumer, once."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_center", "center_code", "id"),
        Index("ix_notifications_department", "department_code", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    center_code: Mapped[str | None] = mapped_column(String(32))
    department_code: Mapped[str | None] = mapped_column(String(32))
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
