"""promtool on the project's Prometheus files: the config, the rules and their unit tests,
and the exposition of a real scrape of the hub."""
from __future__ import annotations

import subprocess

from tests.e2e.monitoring.exposition import families
from tests.integration.monitoring.servers import ROOT
from tests.integration.supervision.cases import application, at, due, task
from tests.services import require_binary

PROMETHEUS = ROOT / "monitoring" / "prometheus"


def _promtool(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    binary = require_binary("promtool", "prometheus")
    return subprocess.run([binary, *args], cwd=PROMETHEUS, input=stdin.decode() if stdin else None,
                          capture_output=True, text=True, timeout=120)


def test_the_prometheus_config_is_valid() -> None:
    result = _promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 rule files found" in result.stdout


def test_the_rules_are_valid_and_their_unit_tests_pass() -> None:
    rules = sorted(str(p.relative_to(PROMETHEUS)) for p in (PROMETHEUS / "rules").glob("*.yml"))
    checked = _promtool("check", "rules", *rules)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tests = sorted(str(p.relative_to(PROMETHEUS)) for p in (PROMETHEUS / "tests").glob("*.yml"))
    assert len(tests) >= 2
    result = _promtool("test", "rules", *tests)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(tests)


def test_a_real_scrape_passes_promtool_check_metrics(app, client, people, tx) -> None:
    people.service_item()
    people.department("market")
    case = application(tx, "binhe", at("2026-11-27"), due_at=due("2026-12-11"))
    task(tx, case, "market", at("2026-11-27"), status="approved", due_at=due("2026-12-02"),
         decided_at=at("2026-11-27", "15:00:00"))
    # Some traffic, so the request histogram has series too (including refusals).
    client.get("/healthz")
    client.get("/api/v1/supervision/centers")
    client.get("/no/such/page")
    body = client.get("/metrics").data
    result = _promtool("check", "metrics", stdin=body)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "" and result.stderr.strip() == ""
    assert families(body.decode())["hub_task_decision_duration_seconds"] == "histogram"
