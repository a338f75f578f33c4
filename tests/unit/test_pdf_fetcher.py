"""The PDF renderer's fetcher (hub.web.pdf.LocalFiles): the hub's static files and data:
URIs only; nothing from outside, nothing elsewhere on the disk."""
from pathlib import Path

import pytest

from hub.web.pdf import LocalFiles

STATIC = Path(__file__).resolve().parents[2] / "hub" / "web" / "static"


def test_the_hubs_own_stylesheet_and_a_data_uri_are_read():
    fetcher = LocalFiles(STATIC)
    css = fetcher.fetch((STATIC / "css" / "documents.css").as_uri())
    assert b"@page" in css.read()
    data = fetcher.fetch("data:text/plain;base64,5Y+X55CG")
    assert data.read().decode() == "受理"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/evil.css", "https://cdn.example/font.woff2", "ftp://x/y",
    "file:///etc/passwd", (STATIC / ".." / "templates" / "base.html").as_uri()])
def test_anything_else_is_refused(url):
    with pytest.raises(ValueError):
        LocalFiles(STATIC).fetch(url)
