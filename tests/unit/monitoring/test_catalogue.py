"""The metrics catalogue and the per-scrape registry (no database, no server)."""
from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import REGISTRY, generate_latest

from monitoring import metrics, multiproc
from monitoring.collectors import DatabaseCollector

API_MD_METRICS = {
    "hub_applications_submitted_total": ("counter", ("center",)),
    "hub_applications_concluded_total": ("counter", ("center", "outcome", "on_time")),
    "hub_applications_in_progress": ("gauge", ("center", "warning")),
    "hub_tasks_open": ("gauge", ("department", "warning")),
    "hub_task_decision_duration_seconds": ("histogram", ("department",)),
    "hub_sync_last_success_timestamp_seconds": ("gauge", ("center", "stream")),
    "hub_sync_records_total": ("counter", ("center", "stream", "result")),
    "hub_http_request_duration_seconds": ("histogram", ("method", "route", "status")),
    "hub_tickets_received_total": ("counter", ("center", "kind", "channel")),
    "hub_tickets_open": ("gauge", ("center", "kind", "overdue")),
    "hub_ratings_total": ("counter", ("center", "level")),
    "hub_appointments_total": ("counter", ("center", "outcome")),
}


def test_the_catalogue_holds_api_mds_metrics_exactly() -> None:
    for name, (kind, labels) in API_MD_METRICS.items():
        assert metrics.CATALOGUE[name][0] == kind, name
        assert metrics.CATALOGUE[name][2] == labels, name


def test_names_follow_prometheus_conventions() -> None:
    for name, (kind, help_text, _) in metrics.CATALOGUE.items():
        assert re.fullmatch(r"hub_[a-z_]+", name), name
        assert help_text
        if kind == "counter":
            assert name.endswith("_total"), name
        # Durations in base units (promtool rejects _days, _minutes, …).
        assert not re.search(r"_(days|hours|minutes|milliseconds)\b", name), name


def test_a_scrape_registry_is_fresh_and_the_default_one_stays_clean() -> None:
    collector = DatabaseCollector(app=None)  # type: ignore[arg-type] - never collected here
    first = metrics.scrape_registry([collector])
    second = metrics.scrape_registry([])
    assert first is not second
    assert collector not in REGISTRY._collector_to_names  # type: ignore[attr-defined]
    assert b"hub_http_request_duration_seconds" in generate_latest(second)


def test_wipe_empties_the_multiprocess_directory(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    (folder / "nested").mkdir(parents=True)
    (folder / "counter_1.db").write_bytes(b"x")
    (folder / "nested" / "f").write_text("y")
    multiproc.wipe(str(folder))
    assert folder.is_dir() and not any(folder.iterdir())
    multiproc.wipe(str(tmp_path / "missing"))
    assert (tmp_path / "missing").is_dir()
