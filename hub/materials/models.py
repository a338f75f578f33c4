"""Materials handed in with a pre-review, and their bytes.

The bytes live in the database (``material_blobs``, keyed by their SHA-256), so a backup
of the database holds every file with the case it belongs to, and a request that fails
leaves nothing behind: the rows and the bytes commit or roll back together.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class MaterialBlob(Base):
    __tablename__ = "material_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]


class Material(Base):
    __tablename__ = "materials"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    prereview_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("prereviews.id"), index=True)
    # Set when the pre-review becomes the application at the window.
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("applications.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(ForeignKey("material_blobs.sha256"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime]
