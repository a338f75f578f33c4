"""docker-compose.yml read as Docker reads it (Docker itself cannot run here): every
command is an entry point that exists and parses, every HUB_* variable the code reads is
documented in .env.example, nothing secret is written in the file, and Prometheus,
Alertmanager and Grafana mount files that exist in monitoring/ and point at each other."""
from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest
import yaml

from hub.cli import main as hub_main
from tests.integration.topology.compose import (
    HUB_SERVICES,
    ROOT,
    bind_mounts,
    code_variables,
    compose,
    env_example,
    interpolated,
    named_volumes,
)

SERVICES = compose()["services"]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def console_script(name: str) -> object:
    found = [e for e in entry_points(group="console_scripts") if e.name == name]
    assert found, f"no console script {name!r} is installed"
    return found[0].load()


def test_the_topology_has_every_part_the_issue_names():
    assert set(SERVICES) >= {"db", "rabbitmq", "migrate", "web", "worker", "worker-sync",
                             "beat", "prometheus", "alertmanager", "grafana"}
    for name in HUB_SERVICES:
        assert SERVICES[name]["image"] == "service-center-hub:latest"
        assert SERVICES[name]["build"] == "."


@pytest.mark.parametrize("name", [s for s in HUB_SERVICES if SERVICES[s]["command"][0] == "hub"])
def test_hub_commands_are_subcommands_of_the_hub_console_script(name):
    program, command_name, *args = SERVICES[name]["command"]
    assert console_script(program) is hub_main
    context = click.Context(hub_main, info_name=program)
    command = hub_main.get_command(context, command_name)
    assert command is not None, f"{name}: hub has no sub-command {command_name!r}"
    command.make_context(command_name, list(args), parent=context)  # raises on a bad option


def test_the_web_command_is_gunicorn_with_the_projects_config_and_app(tmp_path):
    program, *args = SERVICES["web"]["command"]
    console_script(program)
    assert args == ["--config", "python:hub.gunicorn_conf", "hub.wsgi:app"]
    # gunicorn itself loads the config module and imports the app, then exits.
    env = {**os.environ, "HUB_ENV": "production", "HUB_SECRET_KEY": "s" * 32,
           "HUB_PII_KEY": "p" * 32, "HUB_AUDIT_KEY": "a" * 32, "HUB_INSTANCE_PATH": str(tmp_path),
           "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    env.pop("HUB_BROKER_URL", None)
    checked = subprocess.run([GUNICORN, "--check-config", *args], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_sync_worker_consumes_every_centers_sync_queue():
    from hub.app import create_app
    from hub.cli import _expand_queues
    from hub.directory.services import read_centers_file

    queues = SERVICES["worker-sync"]["command"][SERVICES["worker-sync"]["command"]
                                                .index("--queues") + 1]
    app = create_app({"env": "test", "secret_key": "s", "pii_key": "p",
                      "database_url": "sqlite://", "centers_config": ""})
    expected = {f"sync.{c['code']}" for c in read_centers_file(ROOT / "adapters/centers.toml")
                if c.get("adapter")}
    assert len(expected) == 15
    assert set(_expand_queues(queues, app).split(",")) == expected
    assert SERVICES["worker"]["command"][SERVICES["worker"]["command"].index("--queues") + 1] \
        == "default"


def test_every_hub_variable_the_code_reads_is_documented_in_env_example():
    example = env_example()
    missing = code_variables() - example.documented
    assert not missing, f".env.example does not document {sorted(missing)}"
    # And no variable there or in the compose file is one the code never reads (a typo).
    for name in HUB_SERVICES:
        assert set(SERVICES[name]["environment"]) - {"PROMETHEUS_MULTIPROC_DIR"} \
            <= code_variables(), name
    unknown = {v for v in example.documented if v.startswith("HUB_")} - code_variables() \
        - {"HUB_TEST_DATABASE_URL", "HUB_TEST_BROKER_URL", "HUB_REQUIRE_SERVICES"}
    assert not unknown, f".env.example documents variables nothing reads: {sorted(unknown)}"


def test_every_hub_variable_is_in_the_readmes_configuration_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(v for v in code_variables() if f"`{v}`" not in readme)
    assert not missing, f"README.md does not list {missing}"


def test_no_secret_is_written_in_the_compose_file():
    example = env_example()
    taken = set()
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            if any(word in key for word in ("PASSWORD", "SECRET", "KEY", "TOKEN")):
                assert interpolated(value), f"{name}: {key} is written in the file"
            if "://" in value and "@" in value:  # credentials inside a URL
                credentials = value.split("://", 1)[1].rsplit("@", 1)[0]
                assert interpolated(credentials), f"{name}: {key} has a password written"
            taken |= interpolated(value)
        assert "env_file" not in service or service["env_file"] == ".env", name
    # Each secret it takes is one .env.example asks for (an empty line to fill in).
    assert taken == {"POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "GRAFANA_ADMIN_PASSWORD"}
    assert {k for k, v in example.values.items() if not v} >= taken | {
        "HUB_SECRET_KEY", "HUB_PII_KEY", "HUB_AUDIT_KEY"}
    assert not any(example.values.values()), "the example must not carry a secret"


def test_published_ports_listen_on_the_loopback_only():
    for name, service in SERVICES.items():
        for port in service.get("ports") or []:
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"


def test_health_checks_and_start_order():
    for name, service in SERVICES.items():
        for other, rule in (service.get("depends_on") or {}).items():
            assert other in SERVICES, f"{name} depends on an unknown service {other}"
            condition = rule["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in SERVICES[other], f"{other} has no health check"
            elif condition == "service_completed_successfully":
                assert SERVICES[other].get("restart") == "no", f"{other} is not one-shot"
            else:
                assert condition == "service_started"
    for name in ("db", "rabbitmq", "web", "worker", "worker-sync", "prometheus",
                 "alertmanager", "grafana"):
        assert SERVICES[name]["healthcheck"]["test"], name
    for name in ("web", "worker", "worker-sync", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] \
            == "service_completed_successfully"
    assert "migrate" not in SERVICES["migrate"]["depends_on"]


def test_health_checks_probe_what_the_processes_serve():
    from hub.app import create_app

    app = create_app({"env": "test", "secret_key": "s", "pii_key": "p",
                      "database_url": "sqlite://"})
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    web = " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in web and "/readyz" in routes
    for name in ("worker", "worker-sync"):
        port = SERVICES[name]["environment"]["HUB_WORKER_METRICS_PORT"]
        assert f"http://127.0.0.1:{port}/metrics" in " ".join(SERVICES[name]["healthcheck"]["test"])


def test_named_volumes_are_declared_and_used():
    declared = set(compose()["volumes"])
    used = set().union(*(named_volumes(s) for s in SERVICES.values()))
    assert used == declared
    assert {"db-data", "rabbitmq-data", "hub-instance", "prometheus-data",
            "grafana-data"} <= declared


def test_prometheus_alertmanager_and_grafana_mount_the_projects_files():
    for name in ("prometheus", "alertmanager", "grafana"):
        mounts = bind_mounts(SERVICES[name])
        assert mounts, name
        for source, _target in mounts:
            assert source.exists(), f"{name} mounts {source}, which does not exist"
            assert source.is_relative_to(ROOT / "monitoring"), source
    prometheus = dict((t, s) for s, t in bind_mounts(SERVICES["prometheus"]))
    flag = next(a for a in SERVICES["prometheus"]["command"] if a.startswith("--config.file="))
    config_path = prometheus[flag.split("=", 1)[1]]
    assert config_path == ROOT / "monitoring/prometheus/prometheus.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for pattern in config["rule_files"]:  # relative to the config file, as mounted
        assert list(config_path.parent.glob(pattern)), pattern
        assert f"/etc/prometheus/{pattern.split('/')[0]}" in prometheus
    alertmanager = dict((t, s) for s, t in bind_mounts(SERVICES["alertmanager"]))
    flag = next(a for a in SERVICES["alertmanager"]["command"] if a.startswith("--config.file"))
    assert alertmanager[flag.split("=", 1)[1]].is_file()


def test_prometheus_scrapes_the_services_on_their_ports():
    config = yaml.safe_load((ROOT / "monitoring/prometheus/prometheus.yml").read_text("utf-8"))
    targets = {t for job in config["scrape_configs"] if job["job_name"] != "prometheus"
               for c in job["static_configs"] for t in c["targets"]}
    ports = {"web": "8000", "worker": SERVICES["worker"]["environment"]["HUB_WORKER_METRICS_PORT"],
             "worker-sync": SERVICES["worker-sync"]["environment"]["HUB_WORKER_METRICS_PORT"]}
    assert targets == {f"{service}:{port}" for service, port in ports.items()}
    assert SERVICES["worker"]["environment"]["HUB_WORKER_METRICS_HOST"] == "0.0.0.0"
    alerting = {t for a in config["alerting"]["alertmanagers"] for c in a["static_configs"]
                for t in c["targets"]}
    assert {t.split(":")[0] for t in alerting} <= set(SERVICES)


def test_grafana_provisions_the_projects_prometheus_and_dashboards():
    mounts = dict((t, s) for s, t in bind_mounts(SERVICES["grafana"]))
    provisioning = mounts["/etc/grafana/provisioning"]
    sources = yaml.safe_load((provisioning / "datasources/prometheus.yml").read_text("utf-8"))
    url = urlsplit(sources["datasources"][0]["url"])
    assert url.hostname in SERVICES and str(url.port) in " ".join(
        SERVICES["prometheus"]["ports"])
    providers = yaml.safe_load((provisioning / "dashboards/hub.yml").read_text("utf-8"))
    folder = providers["providers"][0]["options"]["path"]
    assert list(mounts[folder].glob("*.json")), f"no dashboards mounted at {folder}"
