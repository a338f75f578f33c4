"""Business figures read from the database at scrape time, cached a few seconds.

Every query reads a rollup (a row per center or department per day) or a partial
index (open cases, pending tasks, pending outbox rows), so a scrape costs the same
with a thousand applications or a million. Label values are initialised for every
center and department, so a silent center shows zeros, not gaps.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Flask
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hub import clock, db
from hub.directory.models import Center
from hub.outbox.models import OutboxMessage
from hub.supervision import indicators as ind
from hub.supervision import services
from hub.sync.models import STREAMS, SyncRun
from monitoring.metrics import CATALOGUE

log = logging.getLogger("monitoring.collectors")

SYNC_RESULTS = ("inserted", "updated", "unchanged", "rejected")
_CACHE_KEY = "monitoring.cache"


def _family(name: str, kind: type[Metric]) -> Any:
    _, help_text, labels = CATALOGUE[name]
    return kind(name, help_text, labels=list(labels))


def _applications(session: Session, centers: Sequence[str], now: Any) -> list[Metric]:
    submitted = _family("hub_applications_submitted_total", CounterMetricFamily)
    totals = services.submitted_totals(session)
    for center in centers:
        submitted.add_metric([center], totals.get(center, 0))

    concluded = _family("hub_applications_concluded_total", CounterMetricFamily)
    counts = services.concluded_totals(session)
    for center in centers:
        for outcome in ind.APPLICATION_OUTCOMES:
            for punctual in (True, False):
                concluded.add_metric([center, outcome, str(punctual).lower()],
                                     counts.get((center, outcome, punctual), 0))

    in_progress = _family("hub_applications_in_progress", GaugeMetricFamily)
    open_counts = services.open_applications(session, now)
    for center in centers:
        for warning in ind.WARNINGS:
            in_progress.add_metric([center, warning], open_counts.get((center, warning), 0))
    return [submitted, concluded, in_progress]


def _tasks(session: Session, departments: Sequence[str], now: Any) -> list[Metric]:
    open_tasks = _family("hub_tasks_open", GaugeMetricFamily)
    counts = services.open_tasks(session, now)
    for department in departments:
        for warning in ind.WARNINGS:
            open_tasks.add_metric([department, warning], counts.get((department, warning), 0))

    durations = _family("hub_task_decision_duration_seconds", HistogramMetricFamily)
    histograms = services.decision_histograms(session)
    empty = [(ind.le_label(bound), 0) for bound in ind.DECISION_BUCKETS]
    for department in departments:
        buckets, seconds = histograms.get(department, (empty, 0.0))
        durations.add_metric([department], buckets=buckets, sum_value=seconds)
    return [open_tasks, durations]


def _sync(session: Session, centers: Sequence[str], configured: set[str]) -> list[Metric]:
    last_success = _family("hub_sync_last_success_timestamp_seconds", GaugeMetricFamily)
    finished = {(center, stream): at for center, stream, at in session.execute(
        select(SyncRun.center_code, SyncRun.stream, func.max(SyncRun.finished_at))
        .where(SyncRun.status == "succeeded").group_by(SyncRun.center_code, SyncRun.stream))}
    records = _family("hub_sync_records_total", CounterMetricFamily)
    sums = {(center, stream): rest for center, stream, *rest in session.execute(
        select(SyncRun.center_code, SyncRun.stream,
               *[func.sum(getattr(SyncRun, result)) for result in SYNC_RESULTS])
        .group_by(SyncRun.center_code, SyncRun.stream))}
    wired = _family("hub_sync_configured", GaugeMetricFamily)
    for center in centers:
        wired.add_metric([center], 1 if center in configured else 0)
        for stream in STREAMS:
            at = finished.get((center, stream))
            last_success.add_metric([center, stream], at.timestamp() if at else 0)
            counted = sums.get((center, stream)) or [0] * len(SYNC_RESULTS)
            for result, n in zip(SYNC_RESULTS, counted, strict=True):
                records.add_metric([center, stream, result], int(n or 0))
    return [last_success, records, wired]


def _outbox(session: Session, now: Any) -> list[Metric]:
    rows = dict(session.execute(
        select(OutboxMessage.status, func.count()).where(
            OutboxMessage.status.in_(("pending", "failed"))).group_by(OutboxMessage.status)
    ).all())
    oldest = session.scalar(select(func.min(OutboxMessage.created_at))
                            .where(OutboxMessage.status == "pending"))
    pending = _family("hub_outbox_pending", GaugeMetricFamily)
    pending.add_metric([], rows.get("pending", 0))
    failed = _family("hub_outbox_failed", GaugeMetricFamily)
    failed.add_metric([], rows.get("failed", 0))
    age = _family("hub_outbox_oldest_pending_age_seconds", GaugeMetricFamily)
    age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    return [pending, failed, age]


def read_figures(session: Session) -> list[Metric]:
    """Every business metric, read in one short read-only transaction (ended here, so
    that on SQLite no lock outlives the scrape)."""
    now = clock.now()
    centers, departments = services.codes(session)
    configured = set(session.scalars(select(Center.code).where(Center.adapter.is_not(None))))
    families = [*_applications(session, centers, now), *_tasks(session, departments, now),
                *_sync(session, centers, configured), *_outbox(session, now)]
    session.rollback()
    return families


def _database_up(value: int) -> Metric:
    up = _family("hub_database_up", GaugeMetricFamily)
    up.add_metric([], value)
    return up


class DatabaseCollector(Collector):
    """Collects the business figures of ``app``'s database, cached for
    ``HUB_METRICS_CACHE_SECONDS`` per process (Prometheus and Grafana scraping together
    cost one read). ``session`` is the request's (``db.session()``), else one is opened.
    A database that cannot be read gives ``hub_database_up 0`` and no business
    figures, not a failed scrape."""

    def __init__(self, app: Flask, session: Session | None = None) -> None:
        self.app = app
        self.session = session

    def _read(self) -> list[Metric]:
        if self.session is not None:
            try:
                return read_figures(self.session)
            except SQLAlchemyError:
                self.session.rollback()
                raise
        with self.app.app_context(), db.get_database(self.app).session_scope() as session:
            return read_figures(session)

    def collect(self) -> Iterable[Metric]:
        cache = self.app.extensions.setdefault(_CACHE_KEY, {"lock": threading.Lock(),
                                                            "at": None, "families": []})
        ttl = self.app.config["HUB_SETTINGS"].metrics_cache_seconds
        with cache["lock"]:
            fresh = cache["at"] is not None and time.monotonic() - cache["at"] < ttl
            if not fresh:
                try:
                    cache["families"] = self._read()
                    cache["at"] = time.monotonic()
                except SQLAlchemyError as exc:
                    log.warning("metrics_database_unreadable error=%s", type(exc).__name__)
                    return [_database_up(0)]
            return [*cache["families"], _database_up(1)]
