"""Small valid files of the kinds citizens upload (PDF, PNG), made in code: the demo's
pre-reviews carry them, and the tests use the same makers."""
from __future__ import annotations

import struct
import zlib


def png_bytes(width: int = 2, height: int = 2, padding: int = 0) -> bytes:
    """A valid greyscale PNG; ``padding`` adds an ancillary text chunk to make it larger."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    if padding:
        body += chunk(b"tEXt", b"Comment\x00" + b"x" * padding)
    body += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def pdf_bytes(text: str = "business licence", padding: int = 0) -> bytes:
    """A small valid PDF of one page; ``padding`` bytes of comment make it larger."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    out += b"% " + text.encode() + b"\n"
    if padding:
        out += b"%" + b"0" * padding + b"\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


__all__ = ["pdf_bytes", "png_bytes"]
