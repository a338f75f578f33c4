"""What an uploaded file is, judged by its content (the ``filetype`` package reads its
magic numbers), never by its name or the type the client claims: only PDF, JPEG and PNG
are taken, so nothing a browser would run is ever stored or served."""
from __future__ import annotations

import re
import unicodedata

import filetype

# Content type → the name endings it may keep; the first is added when a name lacks one.
ACCEPTED: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}
LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
HEAD = 261  # what filetype reads of a file
_UNSAFE = re.compile(r'[\\/:*?"<>|]')


def content_type(head: bytes) -> str | None:
    """The accepted type the first bytes of a file show, or None."""
    kind = filetype.guess(head[:HEAD]) if head else None
    return kind.mime if kind is not None and kind.mime in ACCEPTED else None


def safe_filename(name: str | None, kind: str) -> str:
    """The name to keep and to offer on download: the last path component, without
    control, format (bidi) or path characters, at most 100 characters, and ending as its
    content is (``营业执照.exe`` holding a PDF is offered as ``营业执照.exe.pdf``)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base)
                   if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip(" .") or "材料"
    endings = ACCEPTED[kind]
    if not base.lower().endswith(endings):
        base = base[:100 - len(endings[0])] + endings[0]
    return base[-100:] if len(base) > 100 else base


__all__ = ["ACCEPTED", "LABELS", "content_type", "safe_filename"]
