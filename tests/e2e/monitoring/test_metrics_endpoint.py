"""GET /metrics: the names, types and labels API.md fixes, every center and department
initialised, business figures from the database, latency per route template."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from hub.outbox.models import OutboxMessage
from hub.sync.models import SyncRun
from tests.conftest import build_app
from tests.e2e.monitoring.exposition import families, samples, value

# API.md, "Metrics": name → (type, label names).
CONTRACT = {
    "hub_applications_submitted_total": ("counter", {"center"}),
    "hub_applications_concluded_total": ("counter", {"center", "outcome", "on_time"}),
    "hub_applications_in_progress": ("gauge", {"center", "warning"}),
    "hub_tasks_open": ("gauge", {"department", "warning"}),
    "hub_task_decision_duration_seconds": ("histogram", {"department"}),
    "hub_sync_last_success_timestamp_seconds": ("gauge", {"center", "stream"}),
    "hub_sync_records_total": ("counter", {"center", "stream", "result"}),
    "hub_http_request_duration_seconds": ("histogram", {"method", "route", "status"}),
    "hub_tickets_received_total": ("counter", {"center", "kind", "channel"}),
    "hub_tickets_open": ("gauge", {"center", "kind", "overdue"}),
    "hub_ratings_total": ("counter", {"center", "level"}),
}
LOW_CARDINALITY = {"center", "department", "stage", "outcome", "on_time", "warning", "stream",
                   "result", "method", "route", "status", "task", "state", "le", "kind",
                   "channel", "overdue", "level"}
CENTERS = 16


def _scrape(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.get_data(as_text=True)


def _family_name(sample_name: str) -> str:
    for suffix in ("_bucket", "_count", "_sum", "_created"):
        if sample_name.endswith(suffix) and sample_name.removesuffix(suffix) in CONTRACT:
            return sample_name.removesuffix(suffix)
    return sample_name


def test_names_types_and_labels_are_the_contracts(client, people) -> None:
    people.department("market")
    client.get("/healthz")  # one request, so the latency histogram has a series
    text = _scrape(client)
    found = samples(text)
    types = families(text)
    for name, (kind, labels) in CONTRACT.items():
        family = name.removesuffix("_total")
        assert types.get(family) == kind, name
        label_sets = {frozenset(k for k, _ in key[1]) - {"le"} for key in found
                      if _family_name(key[0]) == name}
        assert label_sets == {frozenset(labels)}, name
    for (name, labels), _ in found.items():
        if name.startswith("hub_"):
            assert {k for k, _ in labels} <= LOW_CARDINALITY, name


def test_every_center_and_department_shows_zeros_not_gaps(client, people) -> None:
    people.departments("market", "fire")
    found = samples(_scrape(client))

    def series(name: str) -> list:
        return [labels for key, labels in found if key == name]

    assert len(series("hub_applications_submitted_total")) == CENTERS
    assert len(series("hub_applications_concluded_total")) == CENTERS * 3 * 2
    assert len(series("hub_applications_in_progress")) == CENTERS * 3
    assert len(series("hub_sync_last_success_timestamp_seconds")) == CENTERS * 2
    assert len(series("hub_sync_records_total")) == CENTERS * 2 * 4
    assert len(series("hub_tasks_open")) == 2 * 3
    assert len(series("hub_task_decision_duration_seconds_bucket")) == 2 * 12
    assert all(v == 0 for (name, _), v in found.items()
               if name.startswith(("hub_applications", "hub_tasks", "hub_sync_records")))
    assert value(found, "hub_applications_in_progress", center="dongling", warning="red") == 0
    assert value(found, "hub_database_up") == 1


def test_latency_is_labelled_by_route_template(client, people) -> None:
    supervisor = people.supervisor()
    case_id = str(uuid.uuid4())
    client.get(f"/api/v1/applications/{case_id}", headers=supervisor.headers)
    client.get("/api/v1/supervision/centers")  # refused: timed as well
    client.get("/no/such/page")
    found = samples(_scrape(client))
    # The histogram belongs to the process: other tests' requests may be in it too.
    seen = {(dict(labels)["route"], dict(labels)["status"]) for name, labels in found
            if name == "hub_http_request_duration_seconds_count"}
    assert ("/api/v1/supervision/centers", "401") in seen
    assert ("unmatched", "404") in seen
    assert not any(case_id in route for route, _ in seen)
    assert any(route.startswith("/api/v1/applications/<") and status == "404"
               for route, status in seen)
    assert value(found, "hub_database_up") == 1  # the requests before left no lock behind


def test_sync_and_outbox_figures_come_from_the_database(client, session, frozen_clock) -> None:
    now = frozen_clock.now()
    yesterday = now - dt.timedelta(days=1)
    session.add_all([
        SyncRun(center_code="binhe", stream="applications", status="succeeded",
                trigger="schedule", requested_by="beat", started_at=yesterday,
                heartbeat_at=yesterday, finished_at=yesterday + dt.timedelta(minutes=3),
                fetched=10, inserted=6, updated=2, unchanged=1, rejected=1),
        SyncRun(center_code="binhe", stream="applications", status="failed", trigger="manual",
                requested_by="admin", started_at=now, heartbeat_at=now, finished_at=now,
                fetched=5, inserted=5, error="HTTP 503"),
        SyncRun(center_code="daxi", stream="staff", status="running", trigger="schedule",
                requested_by="beat", started_at=now, heartbeat_at=now, fetched=3, unchanged=3),
    ])
    session.add_all([OutboxMessage(topic="approvals.notify", payload={}, dedupe_key=f"k{n}",
                                   status=status, created_at=now - dt.timedelta(minutes=n),
                                   available_at=now)
                     for n, status in enumerate(("pending", "pending", "sent", "failed"), 1)])
    session.commit()
    found = samples(_scrape(client))
    last = value(found, "hub_sync_last_success_timestamp_seconds", center="binhe",
                 stream="applications")
    assert last == (yesterday + dt.timedelta(minutes=3)).timestamp()  # the failure is not one
    assert value(found, "hub_sync_last_success_timestamp_seconds", center="daxi",
                 stream="staff") == 0
    assert value(found, "hub_sync_records_total", center="binhe", stream="applications",
                 result="inserted") == 11
    assert value(found, "hub_sync_records_total", center="daxi", stream="staff",
                 result="unchanged") == 3
    assert value(found, "hub_outbox_pending") == 2
    assert value(found, "hub_outbox_failed") == 1
    assert value(found, "hub_outbox_oldest_pending_age_seconds") == 120


def test_figures_are_cached_for_the_configured_seconds(app, client, session, frozen_clock
                                                      ) -> None:
    settings = app.config["HUB_SETTINGS"]
    app.config["HUB_SETTINGS"] = dataclasses.replace(settings, metrics_cache_seconds=3600)
    first = samples(_scrape(client))
    session.add(OutboxMessage(topic="approvals.notify", payload={}, dedupe_key="cached",
                              status="pending", created_at=frozen_clock.now(),
                              available_at=frozen_clock.now()))
    session.commit()
    assert value(samples(_scrape(client)), "hub_outbox_pending") == \
        value(first, "hub_outbox_pending") == 0
    app.config["HUB_SETTINGS"] = settings  # no cache: the next scrape reads again
    assert value(samples(_scrape(client)), "hub_outbox_pending") == 1


def test_an_unreadable_database_is_reported_not_a_failed_scrape(tmp_path) -> None:
    app = build_app("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", tmp_path / "instance",
                    metrics_cache_seconds=0)
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    found = samples(response.get_data(as_text=True))
    assert value(found, "hub_database_up") == 0
    assert not any(name.startswith("hub_applications") for name, _ in found)
