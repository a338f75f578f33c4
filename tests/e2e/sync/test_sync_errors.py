"""A failed sync says in Chinese what went wrong (issue 21, item 6), over HTTP on both
backends: the run's ``error`` in the API and on the sync page is the administrator's
sentence, the driver's English text stays in the run's audit record (and the logs); the
retry's message names the center and the stream, not an internal run number."""
from __future__ import annotations

import re

import pytest

from tests.e2e.web.pages import fresh, post_form, signed_in
from tests.integration.sync.conftest import point

URL_ENV = "HUB_TEST_GONE_CENTER_DB"
ENGLISH = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture
def gone(app, client, people, monkeypatch, tmp_path):
    """binhe reads a database file that cannot be opened (its folder does not exist)."""
    monkeypatch.setenv(URL_ENV, f"sqlite:///{tmp_path}/no-such-folder/center.sqlite3")
    people.service_item()
    point(app, "binhe", {"kind": "sql", "url_env": URL_ENV, "queries": {
        "applications": "SELECT * FROM applications", "staff": "SELECT * FROM staff"}})
    client.application.config["SESSION_COOKIE_SECURE"] = False
    return people.admin()


def failed_runs(client, admin):
    runs = client.get("/api/v1/sync/runs?center=binhe", headers=admin.headers).json["items"]
    assert runs and all(r["status"] == "failed" for r in runs), runs
    return runs


def test_a_failed_run_says_in_chinese_what_went_wrong(client, gone):
    response = client.post("/api/v1/sync/binhe/runs", headers=gone.headers)
    assert response.status_code == 202, response.json
    for run in failed_runs(client, gone):
        assert "无法连接该中心的业务数据库" in run["error"], run["error"]
        assert not ENGLISH.search(run["error"]), run["error"]
        # The technical words are kept where someone who can act on them looks.
        records = client.get(f"/api/v1/audit?target={run['id']}",
                             headers=gone.headers).json
        records = records.get("items", records) if isinstance(records, dict) else records
        failed = [r for r in records if r["action"] == "sync.run_failed"]
        assert failed and "OperationalError" in failed[0]["after"]["detail"], failed


def test_the_sync_page_shows_it_and_the_retry_names_center_and_stream(client, gone):
    client.post("/api/v1/sync/binhe/runs", headers=gone.headers)
    run = next(r for r in failed_runs(client, gone) if r["stream"] == "applications")
    signed_in(client, gone)
    page = fresh(client, "GET", "/sync").text
    row = re.search(r'<tr[^>]*data-center="binhe" data-stream="applications">(.*?)</tr>',
                    page, re.S).group(1)
    assert "无法连接该中心的业务数据库" in row and "OperationalError" not in page
    assert '<td data-label="中心" class="nowrap">' in row  # the name on one line

    answer = post_form(client, f"/sync/runs/{run['id']}/retry", {}, token_from="/sync")
    assert answer.status_code == 302
    flashed = re.search(r'<p class="flash flash-message"[^>]*>([^<]+)</p>',
                        fresh(client, "GET", "/sync").text).group(1)
    assert "已重试滨河街道政务服务中心的办件数据同步" in flashed, flashed
    assert str(run["id"]) not in flashed and "第" not in flashed, flashed
