"""The one catalogue of the hub's metrics, the ``/metrics`` endpoint and the HTTP
request-duration middleware.

Two kinds of metric live here:

- *Business figures* (applications, tasks, syncs, the outbox) are read from the
  database at scrape time (``monitoring.collectors``), so every process and every
  restart reports the same truth. They are collected on a registry made for each
  scrape, never in the default registry: under gunicorn every worker would otherwise
  report them once more in the multiprocess files.
- *Process figures* (HTTP latency, Celery task runs) are observed in the process
  where they happen. Under gunicorn (``PROMETHEUS_MULTIPROC_DIR`` set before start,
  see ``hub/gunicorn_conf.py``) they go to per-process files that a
  ``MultiProcessCollector`` on the scrape's fresh registry adds up.

Labels stay few (center, department, stage, outcome, warning; method, route,
status; task name): never a service item, a user or an application.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from monitoring.multiproc import MULTIPROC_ENV

# -- The catalogue: name → (type, help, labels). API.md fixes the first eight. -------------

CATALOGUE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "hub_applications_submitted_total": (
        "counter", "受理的办件数（中心）", ("center",)),
    "hub_applications_concluded_total": (
        "counter", "办结的办件数（中心、结果、是否按时）", ("center", "outcome", "on_time")),
    "hub_applications_in_progress": (
        "gauge", "在办件数（中心、预警：none/yellow/red）", ("center", "warning")),
    "hub_tasks_open": (
        "gauge", "部门待办审批任务数（部门、预警）", ("department", "warning")),
    "hub_task_decision_duration_seconds": (
        "histogram", "审批任务从开启到作出决定的时长（秒）", ("department",)),
    "hub_sync_last_success_timestamp_seconds": (
        "gauge", "各中心各数据流最近一次同步成功的时间（Unix 秒；从未成功为 0）",
        ("center", "stream")),
    "hub_sync_records_total": (
        "counter", "同步处理的记录数（中心、数据流、结果）", ("center", "stream", "result")),
    "hub_http_request_duration_seconds": (
        "histogram", "HTTP 请求处理时长（秒）", ("method", "route", "status")),
    # Beyond API.md, for the alerts and dashboards.
    "hub_sync_configured": (
        "gauge", "中心是否配置了数据同步（1 是，0 否）", ("center",)),
    "hub_outbox_pending": ("gauge", "发件箱中待发送的消息数", ()),
    "hub_outbox_failed": ("gauge", "发件箱中投递失败、需人工处理的消息数", ()),
    "hub_outbox_oldest_pending_age_seconds": (
        "gauge", "发件箱中最早一条待发送消息已等待的秒数（无则为 0）", ()),
    "hub_database_up": ("gauge", "本次采集能否读取数据库（1 能，0 否）", ()),
    "hub_worker_tasks_total": (
        "counter", "Celery 任务执行次数（任务名、结果状态）", ("task", "state")),
    "hub_worker_task_duration_seconds": (
        "histogram", "Celery 任务执行时长（秒）", ("task",)),
}

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _help(name: str) -> str:
    return CATALOGUE[name][1]


def _labels(name: str) -> tuple[str, ...]:
    return CATALOGUE[name][2]


# Process figures: created once per process, in the default registry (which is only
# ever scraped through a per-scrape registry, see ``scrape``).
HTTP_REQUEST_DURATION = Histogram(
    "hub_http_request_duration_seconds", _help("hub_http_request_duration_seconds"),
    _labels("hub_http_request_duration_seconds"), buckets=HTTP_BUCKETS)
WORKER_TASKS = Counter("hub_worker_tasks", _help("hub_worker_tasks_total"),
                       _labels("hub_worker_tasks_total"))
WORKER_TASK_DURATION = Histogram(
    "hub_worker_task_duration_seconds", _help("hub_worker_task_duration_seconds"),
    _labels("hub_worker_task_duration_seconds"), buckets=TASK_BUCKETS)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


class _ThisProcess(Collector):
    """The default registry's metrics, re-collected on a per-scrape registry."""

    def collect(self) -> Iterable[Any]:
        return REGISTRY.collect()


def scrape_registry(extra: Iterable[Collector] = ()) -> CollectorRegistry:
    """A fresh registry for one scrape: every process's figures (from the multiprocess
    files under gunicorn or a prefork Celery pool, else this process's), plus ``extra``
    collectors (the database ones)."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_mode():
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    for collector in extra:
        registry.register(collector)
    return registry


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
        from hub import db
        from monitoring.collectors import DatabaseCollector

        collector = DatabaseCollector(current_app._get_current_object(), db.session())
        registry = scrape_registry([collector])
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_PLAIN_0_0_4)


def init_app(app: Flask) -> None:
    """Time every request (call before anything that may refuse a request, so that
    401s and 403s are timed too) and connect the Celery worker's metrics hooks."""
    from monitoring import worker

    app.before_request(_start_timer)
    app.after_request(_observe_request)
    worker.connect(app.config["HUB_SETTINGS"])
