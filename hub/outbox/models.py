"""The transactional outbox: messages written in the transaction of the change they follow."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base

class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_pending", "status", "available_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    # A key that makes the same message twice impossible (e.g. "task-opened:<task id>").
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime]
    available_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class ProcessedMessage(Base):
    """What a consumer has already done: the UNIQUE key makes a redelivery a no-op."""

    __tablename__ = "processed_messages"
    __table_args__ = (UniqueConstraint("consumer", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[dt.datetime]
