"""A page as PDF (weasyprint over Debian's Pango): the document's own HTML and print
stylesheet, the CJK font embedded (subset) from the system's fonts, and nothing fetched
but the hub's own static files and data: URIs (a QR code) — an intranet PDF must not
reach out, nor leak that it was made."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app

from hub.errors import ServiceUnavailable

try:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher
except OSError as missing:  # Debian's Pango is absent: the pages still print; a PDF says why
    HTML = None
    URLFetcher = object
    _MISSING = str(missing)


class LocalFiles(URLFetcher):
    """Fetches data: URIs and files under ``root``; anything else is refused."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self.root):
                raise ValueError(f"not one of the hub's static files: {url}")
        return super().fetch(url, headers)


def static_root() -> Path:
    return Path(current_app.static_folder or "")


def render_pdf(html: str) -> bytes:
    """The PDF of ``html``, whose relative links (its stylesheet) are the static files'."""
    if HTML is None:
        raise ServiceUnavailable("此服务器未安装生成 PDF 所需的系统组件（Pango，见 "
                                 "scripts/ensure-system-deps），请用页面上的“打印”", retry_after=3600)
    root = static_root()
    return HTML(string=html, base_url=root.resolve().as_uri() + "/",
                url_fetcher=LocalFiles(root)).write_pdf()
