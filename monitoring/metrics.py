"""The one catalogue of the hub's metrics, the process figures and the registry made for
each scrape (``monitoring.views`` serves ``/metrics`` and times the requests).

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
from collections.abc import Iterable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
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
    "hub_tickets_received_total": (
        "counter", "呼叫中心受理的工单数（中心、类型、渠道）", ("center", "kind", "channel")),
    "hub_tickets_open": (
        "gauge", "未办结的工单数（中心、类型、是否超期未答复）", ("center", "kind", "overdue")),
    "hub_ratings_total": ("counter", "好差评评价数（中心、等级 1–5）", ("center", "level")),
    "hub_appointments_total": (
        "counter", "网上预约数（中心、结果：booked 预约、cancelled 取消、arrived 到场、no_show 爽约）",
        ("center", "outcome")),
    # Beyond API.md, for the alerts and dashboards.
    "hub_sync_configured": (
        "gauge", "中心是否配置了数据同步（1 是，0 否）", ("center",)),
    "hub_sync_nights_missed": (
        "gauge", "最近一次成功之后已错过的夜间同步次数（过了两小时宽限仍未成功）",
        ("center", "stream")),
    "hub_tasks_unattended": (
        "gauge", "无人可办的待办审批任务数：部门没有在岗审批人员，或指派的人员已离岗（部门）",
        ("department",)),
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
