"""A center's windows (窗口): number, floor, the service items each handles, and how many
citizens each can receive by appointment in a half-day."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class HallWindow(Base):
    __tablename__ = "hall_windows"
    __table_args__ = (UniqueConstraint("center_code", "window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    center_code: Mapped[str] = mapped_column(ForeignKey("centers.code"), index=True)
    window: Mapped[str] = mapped_column(String(16))  # the number over the counter: "A03"
    floor: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    service_items: Mapped[list[str]]
    capacity_per_slot: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)  # order on the floor, as the admin listed
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
