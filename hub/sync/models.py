"""Sync bookkeeping: one run per center and stream each time a sync runs, the cursor
each stream has committed, and the records quarantined with their reasons."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, BigIntPK
RUN_STATUSES = ("running", "succeeded", "failed")

_RUNNING = "status = 'running'"


class SyncRun(Base):
    """One sync of one center's stream: its counts reconcile
    ``fetched = inserted + updated + unchanged + rejected`` after every committed batch."""

    __tablename__ = "sync_runs"
    __table_args__ = (
        # At most one run per center and stream at a time: the database says so, not a
        # lock in some worker's memory.
        Index("uq_sync_runs_one_running", "center_code", "stream", unique=True,
              postgresql_where=text(_RUNNING), sqlite_where=text(_RUNNING)),
        Index("ix_sync_runs_center_started", "center_code", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    stream: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="running")
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | manual | cli | reconcile
    requested_by: Mapped[str] = mapped_column(String(64))
    full: Mapped[bool] = mapped_column(default=False)  # from the beginning, not the cursor
    started_at: Mapped[dt.datetime]
    # Bumped by every committed batch: a running run whose heartbeat is old has died.
    heartbeat_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    fetched: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    batches: Mapped[int] = mapped_column(default=0)
    cursor_start: Mapped[str | None] = mapped_column(Text)
    cursor_end: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def center(self) -> str:
        return self.center_code

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class SyncCursor(Base):
    """The last cursor committed for a center's stream: the next run starts there."""

    __tablename__ = "sync_cursors"

    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"), primary_key=True)
    stream: Mapped[str] = mapped_column(String(32), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(BigIntPK)
    updated_at: Mapped[dt.datetime]


class QuarantinedRecord(Base):
    """A record that failed validation, kept with its reasons (personal data masked)."""

    __tablename__ = "sync_quarantine"
    __table_args__ = (
        Index("ix_sync_quarantine_center_id", "center_code", "id"),
        Index("ix_sync_quarantine_key", "center_code", "stream", "external_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"),
                                        index=True)
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    stream: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(128))
    record: Mapped[dict[str, Any]]
    reasons: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]
    # Set when a later version of the same record was accepted ("accepted"), or when an
    # administrator reviewed it and closed it with a note ("dismissed").
    resolved_at: Mapped[dt.datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution_note: Mapped[str | None] = mapped_column(Text)
