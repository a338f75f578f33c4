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


# The checks every screenshot's page passes, run in the page itself (the one place their
# JavaScript is kept). Given {glyphs: [[a, b], ...]} (pairs of characters to draw besides
# 办/事 and two taken from the page), it answers
#   {checked, failures: [{text, color, background, ratio, needed, size, weight, where}],
#    glyphs: [{chars, font, blank, same, missing}]}.
# Contrast (WCAG 2): every visible text node and ::before/::after text, its colour against
# its effective background (its own and its ancestors' background colours composited over
# white; skipped when a background image is in the way), at least 4.5:1, or 3:1 for large
# text (24px, or 18.66px bold). Text in <svg>, in disabled controls and hidden text (not
# rendered, visibility/opacity, clipped to a pixel, off the page) is not looked at.
# Glyphs: the characters are drawn on a canvas in the body's computed font at 32px; two
# different Chinese characters must draw differently and not blank, and unlike a character
# no font has (without a CJK font each draws the same missing-glyph box).
PAGE_CHECKS_JS = r"""(options) => {
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});

  function parse(css) {
    const m = /^rgba?\(([^)]*)\)$/.exec(css.trim());
    if (m) {
      const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(
        (v) => v.endsWith('%') ? parseFloat(v) / 100 : parseFloat(v));
      if (p.length >= 3 && p.every((v) => !Number.isNaN(v))) {
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
      }
    }
    // Any other notation (oklch(), color(srgb ...)): let the canvas paint it and read it.
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000'; ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const d = ctx.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  }
  const over = (top, below) => [0, 1, 2].map(
    (i) => top[i] * top[3] + below[i] * (1 - top[3])).concat([1]);
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const contrast = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const css = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(', ')})`;
  const where = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className.trim()
           ? '.' + e.className.trim().split(/\s+/).join('.') : ''));
    }
    return parts.join(' > ');
  };

  // The background behind el's text, or null when an image is in the way; and the
  // product of the opacities on the way up.
  function behind(el, own) {
    const layers = own ? [own] : [];
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      opacity *= parseFloat(s.opacity);
      if (s.backgroundImage && s.backgroundImage !== 'none') return null;
      const bg = parse(s.backgroundColor);
      if (bg[3] > 0) layers.push(bg);
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return {colour, opacity};
  }

  function hidden(el) {
    if (el.closest('svg, :disabled, [aria-disabled="true"]')) return true;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true,
                             checkOpacity: true, checkVisibilityCSS: true})) return true;
    for (let e = el; e; e = e.parentElement) {  // clipped to a pixel: for screen readers
      const s = getComputedStyle(e);
      if (s.clip !== 'auto' && s.clip.startsWith('rect(0px, 0px, 0px, 0px)')) return true;
      const box = e.getBoundingClientRect();
      if ((box.width <= 1 || box.height <= 1) && s.overflow !== 'visible') return true;
    }
    return false;
  }

  function onPage(rects) {
    return rects.some((r) => r.width > 0 && r.height > 0 && r.right + scrollX > 0
                             && r.bottom + scrollY > 0);
  }

  const failures = [];
  let checked = 0;
  function check(el, text, style, own) {
    const back = behind(el, own);
    if (!back) return;
    const fg = parse(style.color);
    const colour = over([fg[0], fg[1], fg[2], fg[3] * back.opacity], back.colour);
    const ratio = contrast(colour, back.colour);
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    checked += 1;
    if (ratio < needed) {
      failures.push({text: text.trim().slice(0, 40), color: css(colour),
                     background: css(back.colour),
                     ratio: Math.round(ratio * 100) / 100, needed, size: style.fontSize,
                     weight: style.fontWeight, where: where(el)});
    }
  }

  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.data.trim() || hidden(el)) continue;
    range.selectNodeContents(node);
    if (!onPage([...range.getClientRects()])) continue;
    check(el, node.data, getComputedStyle(el), null);
  }
  // Text put in by the style sheet (a table's labels on a phone, a sign before an error).
  for (const el of document.body.querySelectorAll('*')) {
    for (const pseudo of ['::before', '::after']) {
      const style = getComputedStyle(el, pseudo);
      const content = style.content;
      if (!content || content === 'none' || content === 'normal'
          || style.display === 'none') continue;
      let text = '';
      const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(content);
      const attr = /^attr\(([\w-]+)\)$/.exec(content);
      if (quoted) text = quoted[1];
      else if (attr) text = el.getAttribute(attr[1]) || '';
      if (!text.trim() || hidden(el) || !onPage([...el.getClientRects()])) continue;
      const bg = parse(style.backgroundColor);
      if (style.backgroundImage && style.backgroundImage !== 'none') continue;
      check(el, text, style, bg[3] > 0 ? bg : null);
    }
  }

  // The glyphs.
  const family = getComputedStyle(document.body).fontFamily;
  function draw(ch) {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = `32px ${family}`;
    ctx.textBaseline = 'top';
    ctx.fillStyle = '#000';
    ctx.fillText(ch, 12, 12);
    return ctx.getImageData(0, 0, canvas.width, canvas.height).data.filter((_, i) => i % 4 === 3);
  }
  const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  const missing = draw('\u0378');  // an unassigned code point: no font has it
  const pairs = [['办', '事'], ...(options.glyphs || [])];
  const han = [...new Set((document.body.innerText.match(/\p{Script=Han}/gu) || []))];
  if (han.length >= 2) pairs.push([han[0], han[han.length - 1]]);
  const glyphs = pairs.map(([a, b]) => {
    const [one, two] = [draw(a), draw(b)];
    return {chars: a + b, font: family, blank: !one.some((v) => v > 0) || !two.some((v) => v > 0),
            same: same(one, two), missing: same(one, missing) || same(two, missing)};
  });
  return {checked, failures, glyphs};
}"""


def check_rendering(page: Any, glyphs: list[list[str]] | None = None) -> dict[str, Any]:
    """Run the page checks (:data:`PAGE_CHECKS_JS`) in ``page``: what they found. The page
    is loaded first, its style sheets with it (a page looked at half-loaded is unstyled)."""
    page.wait_for_load_state("load")
    return page.evaluate(PAGE_CHECKS_JS, {"glyphs": glyphs or []})


def rendering_problems(found: dict[str, Any]) -> list[str]:
    """The page checks' findings as lines to read in a failed test; none when all is well."""
    problems = [f"contrast {f['ratio']}:1 < {f['needed']}:1 for {f['text']!r}: {f['color']} on "
                f"{f['background']} ({f['size']}, weight {f['weight']}) at {f['where']}"
                for f in found["failures"]]
    problems += [f"characters {g['chars']!r} in {g['font']} draw "
                 + ("blank" if g["blank"] else "the same box" if g["same"]
                    else "as the missing glyph")
                 for g in found["glyphs"] if g["blank"] or g["same"] or g["missing"]]
    if not found["checked"]:
        problems.append("no visible text on the page to check")
    return problems


def screenshot(page: Any, name: str, full_page: bool | None = None) -> Path:
    """Save a screenshot as a test artifact (looked at by a person): the whole page at
    desktop size, the first screen on a phone (what a person sees before scrolling).

    The page is checked first (contrast of every visible text, Chinese glyphs drawn, not
    boxes); the screenshot is saved either way, then the test fails with what was found."""
    found = check_rendering(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if full_page is None:
        full_page = (page.viewport_size or DESKTOP)["width"] > PHONE["width"]
    page.screenshot(path=str(path), full_page=full_page)
    problems = rendering_problems(found)
    assert not problems, f"{name} ({page.url}):\n" + "\n".join(problems)
    return path
