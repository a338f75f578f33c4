"""The browser harness: the hub served over real HTTP on 127.0.0.1 (werkzeug in a
thread) on the real PostgreSQL, driven by the Debian Chromium through Playwright.

Never ``playwright install``: its download cannot work here; the system Chromium is
launched by path. Screenshots go to ``$TEST_OUTPUT/screenshots`` (the Makefile's folder).
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import unavailable
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(os.environ.get("TEST_OUTPUT", ROOT / "test-output")) / "screenshots"


@pytest.fixture
def backend() -> str:
    """Browser tests run on the real PostgreSQL only (the topology the hall runs on)."""
    return "postgresql"


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="hub-live-server")

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture
def server(app: Flask) -> Iterator[LiveServer]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise
    live = LiveServer(app).start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    try:
        from playwright import sync_api
    except ImportError as exc:  # the dev extra: pip install -e '.[dev]'
        unavailable("Playwright for Python", exc)
    if not Path(CHROMIUM).exists() or shutil.which("fc-list") is None:
        unavailable("headless Chromium (run `make system-deps`)",
                    FileNotFoundError(CHROMIUM))
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Browser:
    """Opens contexts (one per person, as on separate workstations) and records every
    request any of its pages makes."""

    def __init__(self, chromium: Any, server: LiveServer) -> None:
        self.chromium = chromium
        self.server = server
        self.requests: list[str] = []
        self._contexts: list[Any] = []

    def context(self, viewport: dict[str, int] | None = None, **kwargs: Any) -> Any:
        context = self.chromium.new_context(viewport=viewport or DESKTOP, locale="zh-CN",
                                            timezone_id="Asia/Shanghai", **kwargs)
        context.set_default_timeout(15_000)
        context.on("request", lambda request: self.requests.append(request.url))
        self._contexts.append(context)
        return context

    def page(self, viewport: dict[str, int] | None = None, **kwargs: Any) -> Any:
        return self.context(viewport, **kwargs).new_page()

    def sign_in(self, username: str, password: str = PASSWORD,
                viewport: dict[str, int] | None = None) -> Any:
        """A new workstation with ``username`` signed in through the login page."""
        page = self.page(viewport)
        page.goto(self.server.url + "/login")
        page.fill("#f-username", username)
        page.fill("#f-password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, page.content()
        return page

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def browser(chromium: Any, server: LiveServer) -> Iterator[Browser]:
    made = Browser(chromium, server)
    yield made
    made.close()


def screenshot(page: Any, name: str, full_page: bool | None = None) -> Path:
    """Save a screenshot as a test artifact (looked at by a person): the whole page at
    desktop size, the first screen on a phone (what a person sees before scrolling)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if full_page is None:
        full_page = (page.viewport_size or DESKTOP)["width"] > PHONE["width"]
    page.screenshot(path=str(path), full_page=full_page)
    return path
