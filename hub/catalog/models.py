"""Service items (办事事项): the one form and the approval stages of each."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, true
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class ServiceItem(Base):
    __tablename__ = "service_items"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    promised_days: Mapped[int]
    # The one form (一张表): fields, each naming the departments that see it.
    form: Mapped[list[Any]]
    # Stages in order: {"mode": "all"|"any", "tasks": [{"department", "days"}]}.
    stages: Mapped[list[Any]]
    # Warning thresholds in working days left: yellow at or under this many.
    yellow_days: Mapped[int] = mapped_column(default=1)
    # The guide (办事指南): what to bring, where to go.
    guide: Mapped[dict[str, Any] | None]
    version: Mapped[int] = mapped_column(default=1)
    # The editor's work in progress (the definition's keys), until it is published into
    # the columns above; new cases take only what is published.
    draft: Mapped[dict[str, Any] | None]
    # Offered to new cases: published, active, and at every center (None) or those listed.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    centers: Mapped[list[str] | None]
    published_at: Mapped[dt.datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
