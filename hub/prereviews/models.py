"""A pre-review (预审): the one form and the materials, sent before coming to the window."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base

STATUSES = ("submitted", "passed", "returned", "accepted")
SUBMITTED, PASSED, RETURNED, ACCEPTED = STATUSES


class PreReview(Base):
    __tablename__ = "prereviews"
    __table_args__ = (Index("ix_prereviews_center_status", "center_code", "status",
                            "submitted_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    service_item_code: Mapped[str] = mapped_column(ForeignKey("service_items.code"))
    status: Mapped[str] = mapped_column(String(16), default=SUBMITTED)
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_id_encrypted: Mapped[str] = mapped_column(Text)
    applicant_id_hash: Mapped[str] = mapped_column(String(64))
    applicant_id_masked: Mapped[str] = mapped_column(String(32))
    applicant_phone_encrypted: Mapped[str] = mapped_column(Text)
    applicant_phone_hash: Mapped[str] = mapped_column(String(64))
    applicant_phone_masked: Mapped[str] = mapped_column(String(32))
    form: Mapped[dict[str, Any]]
    reasons: Mapped[list[str] | None]
    submitted_at: Mapped[dt.datetime]
    # Reviewed within a working day: due at the end of the next one, yellow on that day.
    due_at: Mapped[dt.datetime]
    yellow_at: Mapped[dt.datetime]
    due_at_provisional: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applications.id"))
    accepted_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime]
