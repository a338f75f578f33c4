"""Ratings of cases and tickets, with their rectification and their appeal."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, BigIntPK

LEVELS = (1, 2, 3, 4, 5)
LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SATISFIED_FROM = 3  # levels 3–5 count as satisfied, 1–2 as bad (差评)
APPEAL_PENDING, APPEAL_EXCLUDED, APPEAL_KEPT = "pending", "excluded", "kept"
APPEAL_STATUSES = (APPEAL_PENDING, APPEAL_EXCLUDED, APPEAL_KEPT)


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        # One rating per case or ticket (一事一评): the UNIQUE constraints decide a race.
        CheckConstraint("(application_id IS NULL) <> (ticket_id IS NULL)", name="one_subject"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        Index("ix_ratings_center_rated", "center_code", "rated_at"),
        Index("ix_ratings_appeal", "appeal_status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    number: Mapped[str] = mapped_column(String(32))  # the case's or ticket's, as rated
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    # The department that handled it: a ticket's; for a case, the one that concluded it.
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    level: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    rater_masked: Mapped[str | None] = mapped_column(String(50))
    rated_at: Mapped[dt.datetime]
    rectification_ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"))
    appeal_status: Mapped[str | None] = mapped_column(String(16))
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appealed_by: Mapped[str | None] = mapped_column(String(64))
    appealed_at: Mapped[dt.datetime | None]
    appeal_decided_by: Mapped[str | None] = mapped_column(String(64))
    appeal_decided_at: Mapped[dt.datetime | None]
    appeal_comment: Mapped[str | None] = mapped_column(Text)
    # Excluded on appeal: left out of every satisfaction figure (the metric still counts
    # it: a counter never goes down).
    excluded: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
