"""The administrator's sync actions over HTTP, on both databases: retry a failed run from its
cursor, close a quarantined record after review or read its stream again, and how fresh
each center's data is (the nights missed, in the API and the metrics)."""
from __future__ import annotations

import datetime as dt

import pytest

from adapters.sample.data import application_records
from tests.e2e.monitoring.exposition import samples, value
from tests.integration.sync.conftest import fake_center, http_center  # noqa: F401


@pytest.fixture
def app_config():  # type: ignore[no-untyped-def]
    return {"metrics_cache_seconds": 0}


def cases(n, **kw):  # type: ignore[no-untyped-def]
    return list(application_records("binhe", n, items=("open-restaurant",), **kw))


def runs_of(client, who, stream="applications"):  # type: ignore[no-untyped-def]
    return [r for r in client.get("/api/v1/sync/runs?center=binhe", headers=who.headers
                                  ).json["items"] if r["stream"] == stream]


def test_a_failed_run_is_retried_from_its_cursor_and_audited(client, people, http_center):
    admin, supervisor = people.admin(), people.supervisor()
    http_center.put_many("applications", cases(60))
    http_center.faults.fail_after_pages = 1
    client.post("/api/v1/sync/binhe/runs", json={"stream": "applications"}, headers=admin.headers)
    [failed] = runs_of(client, admin)
    assert failed["status"] == "failed" and failed["inserted"] == 25

    http_center.faults.fail_after_pages = None
    for who in (supervisor, people.clerk()):
        assert client.post(f"/api/v1/sync/runs/{failed['id']}/retry",
                           headers=who.headers).status_code == 403
    retried = client.post(f"/api/v1/sync/runs/{failed['id']}/retry", headers=admin.headers)
    assert retried.status_code == 202, retried.json
    body = retried.json
    assert body["id"] != failed["id"] and body["trigger"] == "retry"
    assert body["status"] == "succeeded" and body["inserted"] == 35  # the rest, none twice
    # Only the latest, failed run of a stream is retried.
    again = client.post(f"/api/v1/sync/runs/{failed['id']}/retry", headers=admin.headers)
    assert again.status_code == 409
    assert client.post(f"/api/v1/sync/runs/{body['id']}/retry",
                       headers=admin.headers).status_code == 409
    assert client.post("/api/v1/sync/runs/999999/retry", headers=admin.headers).status_code == 404
    trail = client.get("/api/v1/audit", query_string={"action": "sync.run_started"},
                       headers=admin.headers).json["items"]
    started = next(r for r in trail if r["target_id"] == str(body["id"]))
    assert started["after"]["retry_of"] == failed["id"] and started["actor"] == admin.username


def test_a_quarantined_record_is_closed_after_review_or_read_again(client, people,
                                                                   http_center):
    admin, supervisor = people.admin(), people.supervisor()
    bad = {**cases(1, first=9)[0], "external_id": "BAD", "service_item": "nope"}
    odd = {**cases(1, first=10)[0], "external_id": "ODD", "service_item": "nope"}
    http_center.put_many("applications", cases(3) + [bad, odd])
    client.post("/api/v1/sync/binhe/runs", json={"stream": "applications"}, headers=admin.headers)
    items = client.get("/api/v1/sync/quarantine?center=binhe&resolved=false",
                       headers=admin.headers).json["items"]
    by_key = {q["external_id"]: q for q in items}
    assert set(by_key) == {"BAD", "ODD"} and by_key["BAD"]["resolution"] is None

    url = f"/api/v1/sync/quarantine/{by_key['ODD']['id']}/resolve"
    blank = client.post(url, json={"note": "   "}, headers=admin.headers)
    assert blank.status_code == 422 and "note" in blank.json["errors"]
    assert client.post(url, json={"note": "重复"}, headers=supervisor.headers).status_code == 403
    closed = client.post(url, json={"note": "中心确认为测试数据，无需接收"}, headers=admin.headers)
    assert closed.status_code == 200, closed.json
    assert (closed.json["resolution"], closed.json["resolved_by"]) == ("dismissed",
                                                                       admin.username)
    assert client.post(url, json={"note": "再次"}, headers=admin.headers).status_code == 409

    # The catalog gains the item BAD named; a full re-read of the stream takes it in.
    people.service_item(code="nope", name="补登的事项")
    reread = client.post("/api/v1/sync/binhe/runs", json={"stream": "applications",
                                                         "full": True}, headers=admin.headers)
    assert reread.status_code == 202 and reread.json["status"] == "succeeded"
    after = {q["external_id"]: q for q in client.get(
        "/api/v1/sync/quarantine?center=binhe", headers=admin.headers).json["items"]}
    assert after["BAD"]["resolution"] == "accepted" and after["BAD"]["resolved_at"]
    trail = client.get("/api/v1/audit", query_string={"action": "sync.quarantine_resolved"},
                       headers=supervisor.headers).json["items"]
    assert [r["after"]["note"] for r in trail] == ["中心确认为测试数据，无需接收"]


def test_freshness_counts_the_nights_missed(client, people, http_center, frozen_clock):
    admin = people.admin()
    http_center.put_many("applications", cases(2))
    client.post("/api/v1/sync/binhe/runs", headers=admin.headers)  # Monday 09:00
    fresh = {(r["center"], r["stream"]): r for r in client.get(
        "/api/v1/sync/freshness", headers=admin.headers).json["items"]}
    binhe = fresh[("binhe", "applications")]
    assert binhe["nights_missed"] == 0 and binhe["age_seconds"] == 0
    assert binhe["last_success"].endswith("+08:00")
    frozen_clock.advance(dt.timedelta(days=2, hours=-5))  # Wednesday 04:00
    later = {(r["center"], r["stream"]): r for r in client.get(
        "/api/v1/sync/freshness", headers=people.admin().headers).json["items"]}
    # Tuesday's 01:30 run and Wednesday's (its two hours' grace over at 03:30): two nights.
    assert later[("binhe", "applications")]["nights_missed"] == 2
    assert later[("binhe", "applications")]["age_seconds"] == 43 * 3600
    # daxi never synced: its nights count from when the center was added (Monday 09:00).
    never = later[("daxi", "staff")]
    assert (never["last_success"], never["age_seconds"], never["nights_missed"]) == (None,
                                                                                   None, 2)
    found = samples(client.get("/metrics").get_data(as_text=True))
    assert value(found, "hub_sync_nights_missed", center="binhe", stream="applications") == 2
    assert value(found, "hub_sync_nights_missed", center="district", stream="staff") == 0
