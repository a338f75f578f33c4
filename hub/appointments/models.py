"""Appointments and the count of places taken in each half-day slot."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base

SLOTS = ("am", "pm")
STATUSES = ("booked", "cancelled", "arrived", "no_show")
BOOKED, CANCELLED, ARRIVED, NO_SHOW = STATUSES

_LIVE = "status = 'booked'"


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_center_day", "center_code", "day", "slot"),
        # One live appointment per ID number and item: the database refuses a second one
        # even when two bookings race (the service closes the person's past ones first).
        Index("uq_appointments_live_applicant_item", "applicant_id_hash", "service_item_code",
              unique=True, postgresql_where=text(_LIVE), sqlite_where=text(_LIVE)),
        Index("ix_appointments_center_status", "center_code", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"))
    service_item_code: Mapped[str] = mapped_column(ForeignKey("service_items.code"))
    day: Mapped[dt.date]
    slot: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default=BOOKED)
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_id_encrypted: Mapped[str] = mapped_column(Text)
    applicant_id_hash: Mapped[str] = mapped_column(String(64))
    applicant_id_masked: Mapped[str] = mapped_column(String(32))
    applicant_phone_encrypted: Mapped[str] = mapped_column(Text)
    applicant_phone_hash: Mapped[str] = mapped_column(String(64))
    applicant_phone_masked: Mapped[str] = mapped_column(String(32))
    booked_at: Mapped[dt.datetime]
    cancelled_at: Mapped[dt.datetime | None]
    marked_at: Mapped[dt.datetime | None]  # arrival or no-show noted by the clerk
    marked_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime]


class AppointmentSlot(Base):
    """Places taken in one half-day slot of one item at one center: raised and lowered by
    one atomic statement each, never past the capacity (see services.book)."""

    __tablename__ = "appointment_slots"

    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"), primary_key=True)
    service_item_code: Mapped[str] = mapped_column(ForeignKey("service_items.code"),
                                                   primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    slot: Mapped[str] = mapped_column(String(2), primary_key=True)
    taken: Mapped[int] = mapped_column(default=0)
