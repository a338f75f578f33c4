"""The deliveries of approval tasks to the departments' own business systems."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class Delivery(Base):
    """The delivery of an approval task: ``pending`` while tries remain (``attempts`` made,
    the next one an outbox message due later), then ``delivered`` or ``failed``."""

    __tablename__ = "outbound_deliveries"

    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("approval_tasks.id", ondelete="CASCADE"), primary_key=True)
    application_id: Mapped[uuid.UUID]
    department_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None]  # what the department system answered last, if it did
    delivered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
