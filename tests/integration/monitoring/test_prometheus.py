"""A real Prometheus on 127.0.0.1 scrapes the running hub; its query API returns the
figures the database holds, and the project's recording rules compute on them."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import requests
import yaml
from sqlalchemy import func, select

from hub.approvals.models import Application
from tests.integration.monitoring.servers import (
    ROOT,
    free_port,
    serve,
    stop,
    wait_for,
)
from tests.integration.supervision.cases import application, at, due
from tests.services import require_binary

RULES = ROOT / "monitoring" / "prometheus" / "rules"


def _fast_rules(workdir: Path) -> list[str]:
    """The project's rule files as they are, but evaluated every second (their groups'
    own intervals dropped), so the test need not wait for a minute's evaluation."""
    paths = []
    for path in sorted(RULES.glob("*.yml")):
        content = yaml.safe_load(path.read_text())
        for group in content["groups"]:
            group.pop("interval", None)
        copy = workdir / path.name
        copy.write_text(yaml.safe_dump(content, allow_unicode=True))
        paths.append(str(copy))
    return paths


def _start_prometheus(target: str, workdir: Path) -> tuple[subprocess.Popen[Any], str]:
    binary = require_binary("prometheus", "prometheus")
    host_port = target.removeprefix("http://")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": _fast_rules(workdir),
        "scrape_configs": [{"job_name": "hub", "metrics_path": "/metrics",
                            "static_configs": [{"targets": [host_port]}]}],
    }
    config_file = workdir / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config))
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--config.file={config_file}", f"--storage.tsdb.path={workdir / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h",
         "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=(workdir / "prometheus.log").open("w"))
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: requests.get(f"{base}/-/ready", timeout=2).ok, "Prometheus ready",
             process=process)
    return process, base


def _query(base: str, expr: str) -> list[dict[str, Any]]:
    response = requests.get(f"{base}/api/v1/query", params={"query": expr}, timeout=5)
    response.raise_for_status()
    return response.json()["data"]["result"]


def test_prometheus_reads_back_the_figure_the_database_holds(app, tx, people, session,
                                                             tmp_path) -> None:
    people.service_item()
    for hour in range(3):
        application(tx, "binhe", at("2026-11-27", f"1{hour}:00:00"), due_at=due("2026-12-11"))
    application(tx, "daxi", at("2026-11-02"), due_at=due("2026-11-16"),
                yellow_at=at("2026-11-16", "00:00:00"))  # overdue now: red
    in_database = session.scalar(select(func.count()).select_from(Application)
                                 .where(Application.center_code == "binhe"))
    assert in_database == 3

    with serve(app) as hub:
        process, prometheus = _start_prometheus(hub, tmp_path)
        try:
            up = wait_for(lambda: _query(prometheus, 'up{job="hub"} == 1'), "the first scrape",
                          process=process)
            assert up[0]["metric"]["instance"] == hub.removeprefix("http://")
            submitted = _query(prometheus, 'hub_applications_submitted_total{center="binhe"}')
            assert float(submitted[0]["value"][1]) == in_database
            silent = _query(prometheus, 'hub_applications_submitted_total{center="dongling"}')
            assert float(silent[0]["value"][1]) == 0
            # The recording rules evaluate on the scraped series.
            red = wait_for(lambda: _query(
                prometheus, 'center_warning:hub_applications_in_progress:max{center="daxi",'
                            'warning="red"}'), "the recording rule", process=process)
            assert float(red[0]["value"][1]) == 1
            # A new case shows up in the next scrapes.
            application(tx, "binhe", at("2026-11-30", "08:00:00"), due_at=due("2026-12-14"))
            wait_for(lambda: _query(
                prometheus, 'hub_applications_submitted_total{center="binhe"} == 4'),
                "the new figure", process=process)
        finally:
            stop(process)
