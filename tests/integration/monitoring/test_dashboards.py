"""The Grafana dashboards: valid JSON, titles in Simplified Chinese, and every query uses
only metrics that exist — in a real scrape of the hub or among the recording rules."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.monitoring.exposition import families
from tests.integration.monitoring.servers import ROOT

GRAFANA = ROOT / "monitoring" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
RULES = ROOT / "monitoring" / "prometheus" / "rules"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# PromQL words that are not metric names.
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "inf", "nan", "atan2"}
BUILT_IN = {"up"}  # Prometheus writes it for every target


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string literals
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges
    text = re.sub(r"\$\{?\w+\}?", "", text)  # Grafana variables
    text = re.sub(r"\boffset\s+\w+", "", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        following = text[match.end():].lstrip()
        if following.startswith("(") or word.lower() in KEYWORDS:
            continue  # a function or aggregation, or an operator
        if re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.add(word)
    return names


def targets(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for panel in dashboard["panels"]:
        found.extend(panel.get("targets", []))
        for inner in panel.get("panels", []):
            found.extend(inner.get("targets", []))
    return found


def recorded_names() -> set[str]:
    names = set()
    for path in RULES.glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            names.update(rule["record"] for rule in group["rules"] if "record" in rule)
    return names


def exposed_names(text: str) -> set[str]:
    names = set()
    for name, kind in families(text).items():
        names.add(name)
        if kind == "counter":
            names.add(f"{name}_total")
        if kind == "histogram":
            names.update({f"{name}_bucket", f"{name}_count", f"{name}_sum"})
    return names


def test_the_parser_finds_metric_names() -> None:
    expr = ('sort_desc(sum by (center) (increase(hub_x_total{on_time="true",center!="a"}'
            '[$__range])) / max by (center) (center:y:max offset 1h) > bool 0 and up == 1)')
    assert metric_names(expr) == {"hub_x_total", "center:y:max", "up"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboards_are_valid_and_titled_in_chinese(path: Path) -> None:
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    assert dashboard["uid"] and CHINESE.search(dashboard["title"])
    assert dashboard["panels"]
    for panel in dashboard["panels"]:
        assert CHINESE.search(panel["title"]), panel["title"]
        assert panel["datasource"]["uid"] == "prometheus"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_the_dashboards_cover_what_officials_watch() -> None:
    titles = {json.loads(p.read_text(encoding="utf-8"))["title"] for p in DASHBOARDS}
    text = " ".join(titles)
    for words in ("十六个中心", "街道", "部门", "同步", "延迟"):
        assert words in text


def test_provisioning_points_at_the_dashboards_and_the_data_source() -> None:
    source = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    assert source["datasources"][0]["uid"] == "prometheus"
    provider = yaml.safe_load((GRAFANA / "provisioning/dashboards/hub.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_every_query_uses_only_metrics_that_exist(client, people) -> None:
    people.department("market")
    client.get("/healthz")  # latency histogram series
    known = exposed_names(client.get("/metrics").get_data(as_text=True))
    known |= recorded_names() | BUILT_IN
    used: set[str] = set()
    for path in DASHBOARDS:
        for target in targets(json.loads(path.read_text(encoding="utf-8"))):
            names = metric_names(target["expr"])
            assert names, target["expr"]
            assert names <= known, (path.name, target["expr"], names - known)
            used |= names
    # And the recording rules read only exposed metrics too.
    for path in RULES.glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                assert metric_names(rule["expr"]) <= known, rule
    assert "center:hub_applications_warning_level:max" in used
