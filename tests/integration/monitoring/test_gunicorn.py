"""The hub under a real gunicorn with two workers: prometheus-client's multiprocess mode
adds up every worker's requests, reports each database figure once, and starts from an
emptied directory."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.e2e.monitoring.exposition import samples, value
from tests.integration.monitoring.servers import (
    ROOT,
    free_port,
    stop,
    wait_for,
)
from tests.integration.supervision.cases import application, at, due
from tests.processes import hub_env
from tests.services import require_binary

STALE_ROUTE = "/left/by/an/earlier/run"


def _leave_stale_files(folder: Path) -> None:
    """What a crashed earlier run leaves behind: a worker's file with a request in it."""
    code = ("from monitoring.metrics import HTTP_REQUEST_DURATION as h;"
            f"h.labels('GET', '{STALE_ROUTE}', '200').observe(0.1)")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, timeout=60)
    assert any(folder.iterdir())


def test_gunicorn_workers_report_together(app, database_url, tx, people, tmp_path) -> None:
    promtool = require_binary("promtool", "prometheus")
    people.service_item()
    application(tx, "binhe", at("2026-11-27"), due_at=due("2026-12-11"))
    folder = tmp_path / "metrics"
    folder.mkdir()
    _leave_stale_files(folder)

    port = free_port()
    env = hub_env(app, HUB_INSTANCE_PATH=str(tmp_path / "i"), HUB_METRICS_CACHE_SECONDS="0",
                  HUB_BIND=f"127.0.0.1:{port}", HUB_WEB_WORKERS="2",
                  PROMETHEUS_MULTIPROC_DIR=str(folder))
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [gunicorn, "--config", "python:hub.gunicorn_conf", "--access-logfile", "/dev/null",
         "hub.wsgi:app"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{base}/healthz", timeout=2).ok, "gunicorn",
                 process=process)
        for _ in range(30):  # a new connection each time, so both workers take some
            assert requests.get(f"{base}/api/v1/centers", timeout=5,
                                headers={"Connection": "close"}).status_code == 401
        pids = {p.name.rsplit("_", 1)[-1] for p in folder.glob("histogram_*.db")}
        assert len(pids) >= 1

        for _ in range(3):  # each scrape, whichever worker answers, says the same
            text = requests.get(f"{base}/metrics", timeout=10).text
            found = samples(text)
            assert value(found, "hub_http_request_duration_seconds_count", method="GET",
                         route="/api/v1/centers", status="401") == 30
            assert not any(dict(labels).get("route") == STALE_ROUTE for _, labels in found)
            assert text.count("# TYPE hub_applications_submitted_total counter") == 1
            assert value(found, "hub_applications_submitted_total", center="binhe") == 1
            assert value(found, "hub_database_up") == 1

        checked = subprocess.run([promtool, "check", "metrics"], input=text, text=True,
                                 capture_output=True, timeout=60)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        stop(process)
        log.close()
