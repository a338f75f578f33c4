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
from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hub import clock, db
from hub.appointments.services import outcome_totals as appointment_totals
from hub.approvals import cards, queries, staffing
from hub.directory.models import Center
from hub.outbox.models import OutboxMessage
from hub.ratings.models import LEVELS, Rating
from hub.supervision import indicators as ind
from hub.supervision import services
from hub.sync import services as sync_services
from hub.sync.models import SyncRun
from hub.sync.source import STREAMS
from hub.tickets import lifecycle as lc
from hub.tickets.models import Ticket
from monitoring.metrics import CATALOGUE

log = logging.getLogger("monitoring.collectors")

SYNC_RESULTS = ("inserted", "updated", "unchanged", "rejected")
# The ``warning`` label of a card (no card is None in the hub, ``none`` on the label).
WARNING_LABELS = ((None, "none"), (cards.YELLOW, "yellow"), (cards.RED, "red"))
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
        for shown, label in WARNING_LABELS:
            in_progress.add_metric([center, label], open_counts.get((center, shown), 0))
    return [submitted, concluded, in_progress]


def _tasks(session: Session, departments: Sequence[str], now: Any) -> list[Metric]:
    open_tasks = _family("hub_tasks_open", GaugeMetricFamily)
    counts = services.open_tasks(session, now)
    for department in departments:
        for shown, label in WARNING_LABELS:
            open_tasks.add_metric([department, label], counts.get((department, shown), 0))

    unattended = _family("hub_tasks_unattended", GaugeMetricFamily)
    nobody = staffing.unattended_counts(session)
    for department in departments:
        unattended.add_metric([department], nobody.get(department, 0))

    durations = _family("hub_task_decision_duration_seconds", HistogramMetricFamily)
    histograms = services.decision_histograms(session)
    empty = [(ind.le_label(bound), 0) for bound in ind.DECISION_BUCKETS]
    for department in departments:
        buckets, seconds = histograms.get(department, (empty, 0.0))
        durations.add_metric([department], buckets=buckets, sum_value=seconds)
    return [open_tasks, unattended, durations]


def _sync(session: Session, centers: Sequence[str], configured: set[str], now: Any
          ) -> list[Metric]:
    last_success = _family("hub_sync_last_success_timestamp_seconds", GaugeMetricFamily)
    finished = sync_services.last_successes(session)
    missed = _family("hub_sync_nights_missed", GaugeMetricFamily)
    nights = {(row["center"], row["stream"]): row["nights_missed"]
              for row in sync_services.data_freshness(session, now, finished)}
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
            missed.add_metric([center, stream], nights.get((center, stream), 0))
            counted = sums.get((center, stream)) or [0] * len(SYNC_RESULTS)
            for result, n in zip(SYNC_RESULTS, counted, strict=True):
                records.add_metric([center, stream, result], int(n or 0))
    return [last_success, records, wired, missed]


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


def _tickets(session: Session, centers: Sequence[str], now: Any) -> list[Metric]:
    """The call center's tickets: received (an index-only count by the three labels) and
    those not closed (a partial index), overdue when awaiting an answer past due."""
    received = _family("hub_tickets_received_total", CounterMetricFamily)
    counts = {(c, k, ch): n for c, k, ch, n in session.execute(
        select(Ticket.center_code, Ticket.kind, Ticket.channel, func.count())
        .group_by(Ticket.center_code, Ticket.kind, Ticket.channel))}
    opened = _family("hub_tickets_open", GaugeMetricFamily)
    overdue = and_(Ticket.status.in_(lc.AWAITING_ANSWER),
                   queries.card_reached(cards.RED, now, Ticket.due_at, Ticket.yellow_at))
    flag = case((overdue, "true"), else_="false")
    open_counts = {(c, k, f): n for c, k, f, n in session.execute(
        select(Ticket.center_code, Ticket.kind, flag, func.count())
        .where(Ticket.status != lc.CLOSED).group_by(Ticket.center_code, Ticket.kind, flag))}
    for center in centers:
        for kind in lc.KINDS:
            for channel in lc.CHANNELS:
                received.add_metric([center, kind, channel], counts.get((center, kind, channel), 0))
            for late in ("true", "false"):
                opened.add_metric([center, kind, late], open_counts.get((center, kind, late), 0))
    ratings = _family("hub_ratings_total", CounterMetricFamily)
    # Every rating ever given, those excluded on appeal too: a counter never goes down.
    levels = {(c, lv): n for c, lv, n in session.execute(
        select(Rating.center_code, Rating.level, func.count())
        .group_by(Rating.center_code, Rating.level))}
    for center in centers:
        for level in LEVELS:
            ratings.add_metric([center, str(level)], levels.get((center, level), 0))
    return [received, opened, ratings]


APPOINTMENT_OUTCOMES = ("booked", "cancelled", "arrived", "no_show")


def _appointments(session: Session, centers: Sequence[str]) -> list[Metric]:
    # Indexed (center, status) counts; every booking is counted as booked once, and each
    # outcome once it is final, so each series only grows.
    totals = appointment_totals(session)
    counter = _family("hub_appointments_total", CounterMetricFamily)
    for center in centers:
        for outcome in APPOINTMENT_OUTCOMES:
            counter.add_metric([center, outcome], totals.get((center, outcome), 0))
    return [counter]


def read_figures(session: Session) -> list[Metric]:
    """Every business metric, read in one short read-only transaction (ended here, so
    that on SQLite no lock outlives the scrape)."""
    now = clock.now()
    centers, departments = services.codes(session)
    configured = set(session.scalars(select(Center.code).where(Center.adapter.is_not(None))))
    families = [*_applications(session, centers, now), *_tasks(session, departments, now),
                *_sync(session, centers, configured, now), *_outbox(session, now),
                *_tickets(session, centers, now), *_appointments(session, centers)]
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
