"""Receiving and reading materials: every file checked by content and size before anything
is written, the bytes kept once per SHA-256 in the caller's transaction, read back
verified against their hash."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import upsert
from hub.errors import NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from hub.materials.filetypes import LABELS, content_type, safe_filename
from hub.materials.models import Material, MaterialBlob

MIB = 1024 * 1024
_CHUNK = 64 * 1024


@dataclasses.dataclass(frozen=True)
class Upload:
    """One file as the request brought it."""

    filename: str | None
    stream: IO[bytes]


@dataclasses.dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def _read_at_most(stream: IO[bytes], limit: int) -> bytes | None:
    """The stream's bytes, or None once it holds more than ``limit``."""
    chunks, size = [], 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


def check_uploads(uploads: Sequence[Upload], *, max_files: int, max_bytes: int,
                  field: str = "files") -> list[CheckedFile]:
    """Every file read and judged before anything is stored: 422 for none or too many,
    413 for one over ``max_bytes``, 415 for one that is not PDF, JPEG or PNG by content."""
    if not uploads:
        raise ValidationFailed({field: ["请上传申请材料（PDF、JPEG 或 PNG）"]})
    if len(uploads) > max_files:
        raise ValidationFailed({field: [f"最多上传 {max_files} 个文件"]})
    checked, wrong, large = [], {}, {}
    for index, upload in enumerate(uploads):
        content = _read_at_most(upload.stream, max_bytes)
        key = f"{field}.{index}"
        if content is None:
            large[key] = [f"文件超过 {max_bytes // MIB} MiB"]
            continue
        kind = content_type(content)
        if kind is None:
            wrong[key] = ["不是 PDF、JPEG 或 PNG 文件（按文件内容识别，与文件名无关）"]
            continue
        checked.append(CheckedFile(filename=safe_filename(upload.filename, kind),
                                   content_type=kind, content=content,
                                   sha256=hashlib.sha256(content).hexdigest()))
    if large:
        raise PayloadTooLarge(f"每个文件不超过 {max_bytes // MIB} MiB", errors=large)
    if wrong:
        raise UnsupportedMediaType("只接受 PDF、JPEG 或 PNG 文件", errors=wrong)
    return checked


def store(session: Session, files: Iterable[CheckedFile], *, prereview_id: uuid.UUID,
          now: dt.datetime) -> list[Material]:
    """The files' rows and bytes, in the caller's transaction (it commits or rolls back
    both): the same bytes handed in twice are kept once."""
    rows = []
    for position, file in enumerate(files):
        session.execute(upsert(session, MaterialBlob)
                        .values(sha256=file.sha256, size=file.size, content=file.content,
                                created_at=now)
                        .on_conflict_do_nothing(index_elements=["sha256"]))
        rows.append(Material(id=uuid.uuid4(), prereview_id=prereview_id,
                             filename=file.filename, content_type=file.content_type,
                             size=file.size, sha256=file.sha256, position=position,
                             created_at=now))
    session.add_all(rows)
    return rows


def of_prereview(session: Session, prereview_id: uuid.UUID) -> list[Material]:
    return list(session.scalars(select(Material).where(Material.prereview_id == prereview_id)
                                .order_by(Material.position)))


def of_application(session: Session, application_id: uuid.UUID) -> list[Material]:
    return list(session.scalars(select(Material)
                                .where(Material.application_id == application_id)
                                .order_by(Material.position)))


def content_of(session: Session, material: Material) -> bytes:
    """The stored bytes, checked against their hash (a damaged row is an error to see,
    never a file to hand out)."""
    content = session.scalar(select(MaterialBlob.content)
                             .where(MaterialBlob.sha256 == material.sha256))
    if content is None or hashlib.sha256(content).hexdigest() != material.sha256:
        raise RuntimeError(f"material {material.id}: stored bytes do not match their SHA-256")
    return bytes(content)


def find(materials: Iterable[Material], material_id: str) -> Material:
    """One of ``materials`` by its id as the path gives it; anything else is not found."""
    try:
        wanted = uuid.UUID(material_id)
    except ValueError:
        raise NotFound("材料不存在") from None
    for material in materials:
        if material.id == wanted:
            return material
    raise NotFound("材料不存在")


def summary(material: Material) -> dict[str, object]:
    return {"id": material.id, "filename": material.filename,
            "content_type": material.content_type, "size": material.size,
            "sha256": material.sha256, "kind": LABELS[material.content_type]}


__all__ = ["CheckedFile", "MIB", "Upload", "check_uploads", "content_of", "find",
           "of_application", "of_prereview", "store", "summary"]
