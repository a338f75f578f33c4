"""Applications (办件) and their approval tasks, one per department and stage."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base

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
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    application: Mapped[Application] = relationship(back_populates="tasks")


class IdempotencyRecord(Base):
    """A submission's ``Idempotency-Key``: a replay returns the original result."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("center_code", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    created_at: Mapped[dt.datetime]


class NumberSequence(Base):
    """Counters for human-readable case and result numbers, one row per scope and day."""

    __tablename__ = "number_sequences"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
