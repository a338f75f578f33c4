"""Rate-limit counters: one row per scope, key and fixed window."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class ThrottleWindow(Base):
    """Requests (or failures) of one key in one fixed window of a scope. Each key has its
    own rows, so no row is shared by every request; rows past ``expires_at`` are pruned."""

    __tablename__ = "throttle_windows"
    __table_args__ = (Index("ix_throttle_windows_expires_at", "expires_at"),)

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # epoch seconds // window
    hits: Mapped[int]
    expires_at: Mapped[dt.datetime]
