"""QR codes for printed documents: SVG made here (segno, pure Python), nothing fetched."""
from __future__ import annotations

import segno


def qr_data_uri(text: str, *, scale: int = 4) -> str:
    """A ``data:image/svg+xml`` URI of a QR code for ``text`` (error correction M: a
    printed receipt survives a crease)."""
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=scale, border=2)
