"""The sync over HTTP (API.md, "Sync") and as the `hub sync` command."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.sample.data import application_records
from tests.conftest import CENTERS_FILE
from tests.integration.sync.conftest import TOKEN_ENV, fake_center, http_center  # noqa: F401

HUB = str(Path(sys.executable).with_name("hub"))


def cases(n, **kw):
    return list(application_records("binhe", n, items=("open-restaurant",), **kw))


def test_admin_starts_a_sync_and_reads_its_runs(client, people, http_center):
    http_center.put_many("applications", cases(30))
    # Accounts first: the app context the fixture holds keeps the request's session open.
    admin, supervisor = people.admin(), people.supervisor()
    response = client.post("/api/v1/sync/binhe/runs", headers=admin.headers)
    assert response.status_code == 202, response.json
    body = response.json
    assert body["center"] == "binhe" and {r["stream"] for r in body["runs"]} == {"staff",
                                                                               "applications"}
    # No broker in tests: the runs were carried out in-process before the answer.
    runs = client.get("/api/v1/sync/runs?center=binhe", headers=admin.headers).json["items"]
    by_stream = {r["stream"]: r for r in runs}
    assert by_stream["applications"]["status"] == "succeeded"
    assert {k: by_stream["applications"][k] for k in
            ("fetched", "inserted", "updated", "unchanged", "rejected")} == {
        "fetched": 30, "inserted": 30, "updated": 0, "unchanged": 0, "rejected": 0}
    assert set(runs[0]) >= {"id", "center", "stream", "status", "started_at", "finished_at",
                            "error"}
    assert runs[0]["started_at"].endswith("+00:00")
    assert client.get("/api/v1/sync/runs", headers=supervisor.headers).status_code == 200


def test_one_stream_and_the_quarantine(client, people, http_center):
    http_center.put_many("applications", cases(3) + [
        {**cases(1, first=9)[0], "external_id": "BAD", "service_item": "nope"}])
    admin = people.admin()
    response = client.post("/api/v1/sync/binhe/runs", json={"stream": "applications"},
                           headers=admin.headers)
    assert response.status_code == 202 and len(response.json["runs"]) == 1
    assert response.json["stream"] == "applications"
    items = client.get("/api/v1/sync/quarantine?center=binhe", headers=admin.headers).json["items"]
    assert [q["external_id"] for q in items] == ["BAD"]
    assert "service_item" in items[0]["reasons"] and "*" in items[0]["record"]["applicant_id_number"]
    assert client.get("/api/v1/sync/quarantine?center=daxi",
                      headers=admin.headers).json["items"] == []


@pytest.mark.parametrize("role", ["clerk", "approver", "chief", "supervisor", "adapter"])
def test_only_admins_start_syncs(client, people, http_center, role):
    caller = people.make(role, center="binhe",
                         department="fire" if role in ("approver", "chief") else None)
    response = client.post("/api/v1/sync/binhe/runs", headers=caller.headers)
    assert response.status_code == 403
    assert http_center.requests == []


@pytest.mark.parametrize("role", ["clerk", "approver", "adapter"])
def test_runs_and_quarantine_are_for_admins_and_supervisors(client, people, role):
    caller = people.make(role, department="fire" if role == "approver" else None)
    assert client.get("/api/v1/sync/runs", headers=caller.headers).status_code == 403
    assert client.get("/api/v1/sync/quarantine", headers=caller.headers).status_code == 403
    assert client.get("/api/v1/sync/runs").status_code == 401


def test_bad_requests_are_clear(client, people):
    admin = people.admin()
    assert client.post("/api/v1/sync/nowhere/runs", headers=admin.headers).status_code == 404
    bad = client.post("/api/v1/sync/binhe/runs", json={"stream": "cases"}, headers=admin.headers)
    assert bad.status_code == 422 and "stream" in bad.json["errors"]
    # the district center's own system is the hub: it has no adapter to sync from
    assert client.post("/api/v1/sync/district/runs", headers=admin.headers).status_code == 409
    assert client.get("/api/v1/sync/runs?status=done", headers=admin.headers).status_code == 422


def test_a_second_run_of_a_running_stream_is_409(client, people, http_center, app):
    from hub import db as hub_db
    from hub.sync import services

    with hub_db.get_database(app).session_scope() as session:
        services.start_run(session, "binhe", "applications", trigger="cli", requested_by="t")
    response = client.post("/api/v1/sync/binhe/runs", json={"stream": "applications"},
                           headers=people.admin().headers)
    assert response.status_code == 409


def test_the_openapi_document_describes_the_sync(client):
    paths = client.get("/openapi.json").json["paths"]
    assert {"/api/v1/sync/{center}/runs", "/api/v1/sync/runs", "/api/v1/sync/quarantine"} <= set(paths)


def test_hub_sync_prints_its_report_and_fails_loudly(app, database_url, http_center, tmp_path):
    http_center.put_many("applications", cases(40))
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_ENV": "development",
           "HUB_INSTANCE_PATH": str(tmp_path / "cli"), "HUB_CENTERS_CONFIG": str(CENTERS_FILE),
           "HUB_LOG_LEVEL": "WARNING", "HUB_PII_KEY": "test-pii-key", TOKEN_ENV: http_center.token}

    def hub(*args):
        return subprocess.run([HUB, *args], env=env, capture_output=True, text=True, timeout=120)

    done = hub("sync", "binhe", "--stream", "applications")
    assert done.returncode == 0, done.stderr
    assert "binhe/applications: succeeded  fetched=40 inserted=40 updated=0 unchanged=0" in done.stdout
    again = hub("sync", "binhe", "--stream", "applications", "--full")
    assert "fetched=40 inserted=0 updated=0 unchanged=40 rejected=0" in again.stdout
    http_center.faults.unauthorized = True
    failed = hub("sync", "binhe")
    assert failed.returncode == 1 and ": failed" in failed.stdout and "401" in failed.stderr
    unknown = hub("sync", "nowhere")
    assert unknown.returncode != 0 and "nowhere" in unknown.stderr
