"""Cases synced from a center's own system (a fake one, served for real on 127.0.0.1)
count in e-supervision like any other: the sync's batches refresh the rollups, and the
sync's runs feed the sync metrics."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from adapters.sample.data import application_records
from hub.approvals.models import Application
from hub.approvals.calendar_services import load_calendar
from hub.supervision import indicators as ind
from hub.supervision import services
from tests.e2e.monitoring.exposition import samples, value
from tests.integration.supervision.cases import plain
from tests.integration.sync.conftest import fake_center, http_center, sync  # noqa: F401

FIELDS = ("received", "concluded", "on_time", "on_time_rate", "overdue", "timeliness_rate",
          "early", "last_day", "avg_working_days", "median_working_days", "p90_working_days",
          "in_progress", "yellow", "red")


def _expected(session, frozen_clock) -> dict:  # type: ignore[no-untyped-def]
    rows = session.scalars(select(Application).where(Application.center_code == "binhe",
                                                     Application.deleted_at.is_(None))).all()
    cal = load_calendar(session)
    return ind.figures(ind.tally([plain(r) for r in rows], cal, frozen_clock.now()))


def _figures(session, frozen_clock) -> dict:  # type: ignore[no-untyped-def]
    rows = {r["center"]: r for r in services.center_figures(session, frozen_clock.now())}
    return {k: rows["binhe"][k] for k in FIELDS}


def test_synced_cases_count_like_any_other(app, client, session, http_center, frozen_clock,
                                          monkeypatch) -> None:
    monkeypatch.setitem(app.config, "HUB_SETTINGS", dataclasses.replace(
        app.config["HUB_SETTINGS"], metrics_cache_seconds=0))
    records = list(application_records("binhe", 40, items=("open-restaurant",)))
    http_center.put_many("applications", records)
    [run] = sync(app, stream="applications")
    assert run.status == "succeeded" and run.inserted == 40

    figures = _figures(session, frozen_clock)
    assert figures["received"] == 40
    assert figures == {k: _expected(session, frozen_clock)[k] for k in FIELDS}

    # Upstream, an open case is approved and a concluded one deleted: the next run's
    # batch recounts the days it touched.
    open_case = next(r for r in records if r["status"] == "in_review")
    gone = next(r for r in records if r["status"] == "approved")
    http_center.change("applications", open_case["external_id"], status="approved",
                       concluded_at=(dt.datetime(2026, 11, 20, 10, 0)).isoformat() + "+08:00")
    http_center.delete("applications", gone["external_id"])
    [again] = sync(app, stream="applications")
    assert again.status == "succeeded" and again.updated == 2
    after = _figures(session, frozen_clock)
    assert after["received"] == 39
    assert after["in_progress"] == figures["in_progress"] - 1
    assert after == {k: _expected(session, frozen_clock)[k] for k in FIELDS}

    found = samples(client.get("/metrics").get_data(as_text=True))
    assert value(found, "hub_applications_submitted_total", center="binhe") == 39
    assert value(found, "hub_sync_records_total", center="binhe", stream="applications",
                 result="inserted") == 40
    assert value(found, "hub_sync_records_total", center="binhe", stream="applications",
                 result="updated") == 2
    assert value(found, "hub_sync_last_success_timestamp_seconds", center="binhe",
                 stream="applications") == again.finished_at.timestamp()
    assert value(found, "hub_sync_configured", center="binhe") == 1
