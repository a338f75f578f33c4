"""Requests for government information (依申请公开), the cards raised on them, and the
administrator's figures of each year for the annual report."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, BigIntPK

REQUEST_STATUSES = ("open", "supplement_requested", "answered")
OPEN, WAITING, ANSWERED = REQUEST_STATUSES


class DisclosureRequest(Base):
    __tablename__ = "disclosure_requests"
    __table_args__ = (
        # The report's check holds by construction only if no answer precedes its request.
        CheckConstraint("answered_on IS NULL OR answered_on >= received_on",
                        name="answered_after_received"),
        Index("ix_disclosure_requests_status_due", "status", "due_on"),
        Index("ix_disclosure_requests_received", "received_on"),
        Index("ix_disclosure_requests_answered", "answered_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))  # where it was received
    channel: Mapped[str] = mapped_column(String(16))
    requester_kind: Mapped[str] = mapped_column(String(16))
    requester_organisation_kind: Mapped[str | None] = mapped_column(String(16))
    requester_name: Mapped[str] = mapped_column(String(200))
    # The requester's contact (phone, e-mail or address): encrypted, hashed, masked.
    requester_contact_encrypted: Mapped[str] = mapped_column(Text)
    requester_contact_hash: Mapped[str] = mapped_column(String(64), index=True)
    requester_contact_masked: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    received_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(24))
    due_on: Mapped[dt.date | None]  # None while waiting for the completed request
    yellow_on: Mapped[dt.date | None]
    due_on_provisional: Mapped[bool] = mapped_column(default=False)
    supplement_requested_on: Mapped[dt.date | None]
    supplement_reason: Mapped[str | None] = mapped_column(Text)
    resubmitted_on: Mapped[dt.date | None]
    extended: Mapped[bool] = mapped_column(default=False)
    extended_on: Mapped[dt.date | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(32))
    answered_on: Mapped[dt.date | None]
    answered_by: Mapped[str | None] = mapped_column(String(64))
    on_time: Mapped[bool | None]
    registered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class DisclosureWarning(Base):
    """A yellow or red card raised once per level and due date on an open request, by the
    periodic scan (``hub.disclosure.deadlines``)."""

    __tablename__ = "disclosure_warnings"
    __table_args__ = (Index("ix_disclosure_warnings_center_raised", "center_code", "raised_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("disclosure_requests.id", ondelete="CASCADE"), index=True)
    center_code: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8))
    # The due day it was raised against (a request's limit is a calendar day, as
    # ``DisclosureRequest.due_on``).
    due_on: Mapped[dt.date]
    raised_at: Mapped[dt.datetime]
    # "<request>:<due_on>:<level>": once per level and due day (an extended or completed
    # request is due again, and may earn its cards again).
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)


def _count() -> Mapped[int]:
    return mapped_column(default=0, server_default="0")


class DisclosureYear(Base):
    """What the administrator keeps for a year's report: the proactive disclosure
    counts (the form's 第二十条 items), the reconsiderations and lawsuits, and their own
    text for sections 五 and 六."""

    __tablename__ = "disclosure_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    regulations_made: Mapped[int] = _count()
    regulations_abolished: Mapped[int] = _count()
    regulations_in_force: Mapped[int] = _count()
    normative_made: Mapped[int] = _count()
    normative_abolished: Mapped[int] = _count()
    normative_in_force: Mapped[int] = _count()
    licences: Mapped[int] = _count()
    penalties: Mapped[int] = _count()
    coercions: Mapped[int] = _count()
    fees: Mapped[Decimal] = mapped_column(Numeric(14, 4), default=Decimal(0),
                                          server_default="0")  # 万元
    processing_fees: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0),
                                                     server_default="0")  # 元
    # {"reconsideration"|"litigation_direct"|"litigation_after_review":
    #  {"upheld", "corrected", "other", "pending"}}
    reviews: Mapped[dict[str, Any]]
    problems: Mapped[str | None] = mapped_column(Text)
    other_matters: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
