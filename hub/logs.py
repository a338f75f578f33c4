"""Logs are events: one ``key=value`` line each, with the request id.

A request is logged by its route template (``/api/v1/applications/<application_id>``),
never by its path or query string: those are the client's, and a client puts whatever
it likes there, a citizen's name in a search included. The app writes its own access
line for the same reason (gunicorn's and werkzeug's carry the request line as sent).
"""
from __future__ import annotations

import logging
import sys
import time

from flask import Flask, Response, g, has_request_context, request

access_log = logging.getLogger("hub.access")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(getattr(h, "_hub", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._hub = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(
        "ts=%(asctime)s level=%(levelname)s logger=%(name)s request_id=%(request_id)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    # werkzeug's request lines (hub serve, the demo) carry the query string: the app's own
    # access line replaces them. weasyprint reports every step of every PDF at INFO,
    # fontTools each subset.
    for noisy in ("alembic", "urllib3", "amqp", "kombu", "werkzeug", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def route() -> str:
    """The current request's route template, or ``unmatched``: what logs name a request by."""
    rule = request.url_rule if has_request_context() else None
    return rule.rule if rule is not None else "unmatched"


def _start() -> None:
    g.access_started = time.perf_counter()


def _access(response: Response) -> Response:
    started = g.pop("access_started", None)
    elapsed = (time.perf_counter() - started) * 1000 if started is not None else -1
    access_log.info("access method=%s route=%s status=%s bytes=%s duration_ms=%.1f remote=%s",
                    request.method if request.method.isalpha() else "OTHER", route(),
                    response.status_code, response.calculate_content_length() or 0, elapsed,
                    request.remote_addr or "-")
    return response


def init_app(app: Flask) -> None:
    """One access line per request, by route."""
    app.before_request(_start)
    app.after_request(_access)
