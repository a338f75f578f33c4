"""``/metrics`` and the HTTP request-duration middleware: the monitoring's Flask side.

A scrape gets a fresh registry (``metrics.scrape_registry``) holding the process
figures of every server process and the business figures read from the database
(``collectors``); the middleware times every request by its route template.
"""
from __future__ import annotations

import time

from flask import Flask, Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from hub import db
from monitoring.collectors import DatabaseCollector
from monitoring.metrics import HTTP_REQUEST_DURATION, scrape_registry

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# -- The HTTP middleware ------------------------------------------------------------------


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe_request(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        # The route template, not the path: /api/v1/applications/<uuid:application_id>.
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        method = request.method if request.method in _METHODS else "OTHER"
        HTTP_REQUEST_DURATION.labels(method, route, str(response.status_code)).observe(
            time.perf_counter() - started)
    return response


# -- The endpoint ---------------------------------------------------------------------------

blp = Blueprint("metrics", __name__, description="Prometheus 指标")


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.doc(responses={"200": {
        "description": "Prometheus 文本格式（text/plain; version=0.0.4）",
        "content": {"text/plain": {"schema": {"type": "string"}}}}})
    def get(self) -> Response:
        """The hub's metrics for Prometheus: business figures read from the database
        (cached a few seconds), HTTP latency per route from every server process."""
        collector = DatabaseCollector(current_app._get_current_object(), db.session())
        registry = scrape_registry([collector])
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_PLAIN_0_0_4)


def init_app(app: Flask) -> None:
    """Time every request (call before anything that may refuse a request, so that
    401s and 403s are timed too)."""
    app.before_request(_start_timer)
    app.after_request(_observe_request)
