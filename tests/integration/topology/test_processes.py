"""The compose file's own commands, started as processes on this machine (Docker cannot
run here): ``hub init`` (migrate), gunicorn with hub/gunicorn_conf.py (web), ``hub worker``
on the default queue and on every sync queue, ``hub beat``, each with the environment the
compose file and .env.example give it, against the real PostgreSQL (a throwaway database)
and the real RabbitMQ (a virtual host of its own). A case goes from submission to its
result over HTTP, the outbox delivered by the worker; a sync runs on the sync worker;
beat's schedule reaches the worker; then SIGTERM stops every process cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from hub.approvals.forms import with_check_character
from hub.seed import DEMO_PASSWORD
from tests.e2e.monitoring.exposition import samples
from tests.integration.monitoring.servers import free_port, wait_for
from tests.integration.topology.compose import compose, env_example

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.slow,
              pytest.mark.timeout(420)]
SERVICES = compose()["services"]
BIN = Path(sys.executable).parent
LONG_RUNNING = ("web", "worker", "worker-sync", "beat")
# What the operator writes into .env (copied from .env.example).
FILLED_IN = {"POSTGRES_PASSWORD": "pg-pass", "RABBITMQ_PASSWORD": "mq-pass",
             "GRAFANA_ADMIN_PASSWORD": "gf-pass", "HUB_SECRET_KEY": "k" * 43,
             "HUB_PII_KEY": "p" * 43, "HUB_AUDIT_KEY": "a" * 43}


class Topology:
    """The hub services of docker-compose.yml as processes, each in a session (process
    group) of its own, as each would be a container of its own."""

    def __init__(self, tmp: Path, database_url: str, broker_url: str) -> None:
        self.tmp, self.database_url, self.broker_url = tmp, database_url, broker_url
        self.instance = tmp / "hub-instance"  # the named volume the services share
        self.instance.mkdir()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.web_port = free_port()
        self.metrics_ports = {"worker": free_port(), "worker-sync": free_port()}

    def environment(self, service: str) -> dict[str, str]:
        declared = {k: str(v) for k, v in SERVICES[service]["environment"].items()}
        # Docker's service names, db and rabbitmq, are this machine's throwaway ones.
        assert declared["HUB_DATABASE_URL"].startswith("postgresql+psycopg://hub:")
        assert declared["HUB_DATABASE_URL"].endswith("@db:5432/hub")
        assert declared["HUB_BROKER_URL"].endswith("@rabbitmq:5672//")
        env = {"PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": str(self.tmp),
               "LANG": "C.UTF-8"}
        env.update(env_example().values)  # env_file: .env …
        env.update(FILLED_IN)  # … as the operator filled it in
        env.update(declared)  # environment: wins over env_file
        env.update(HUB_DATABASE_URL=self.database_url, HUB_BROKER_URL=self.broker_url,
                   HUB_INSTANCE_PATH=str(self.instance),
                   # Each container has a /tmp of its own.
                   PROMETHEUS_MULTIPROC_DIR=str(self.tmp / f"{service}-tmp" / "hub-metrics"))
        if service == "web":  # port 8000 inside the container; a free one here
            env.update(HUB_BIND=f"127.0.0.1:{self.web_port}", HUB_WEB_WORKERS="2")
        if service in self.metrics_ports:
            env.update(HUB_WORKER_METRICS_PORT=str(self.metrics_ports[service]),
                       HUB_WORKER_METRICS_HOST="127.0.0.1")
        return env

    def run(self, service: str, command: list[str] | None = None) -> str:
        done = subprocess.run(command or SERVICES[service]["command"],
                              env=self.environment(service), cwd=self.instance,
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"{service}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, service: str) -> None:
        log = (self.tmp / f"{service}.log").open("wb")
        self.processes[service] = subprocess.Popen(
            SERVICES[service]["command"], env=self.environment(service), cwd=self.instance,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def log(self, service: str) -> str:
        return (self.tmp / f"{service}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> dict[str, int | None]:
        """SIGTERM to each service's main process, as ``docker compose stop`` sends it."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                codes[name] = None
        return codes

    def leftovers(self) -> dict[str, int]:
        """Process groups that still have a member (an orphaned child)."""
        left = {}
        for name, process in self.processes.items():
            try:
                os.killpg(process.pid, 0)
                left[name] = process.pid
            except ProcessLookupError:
                pass
        return left

    def kill(self) -> None:
        for process in self.processes.values():
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)


@pytest.fixture
def topology(tmp_path: Path, throwaway_database: str, vhost_url: str
             ) -> Iterator[Topology]:
    started = Topology(tmp_path, throwaway_database, vhost_url)
    yield started
    started.kill()  # whatever a failing test left running


class Hub:
    """The hub over HTTP, as a browser or a client system sees it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.tokens: dict[str, str] = {}

    def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            answer = requests.post(f"{self.base}/api/v1/auth/token", timeout=10,
                                   json={"username": username, "password": DEMO_PASSWORD})
            assert answer.status_code == 200, answer.text
            self.tokens[username] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def get(self, username: str, path: str, **params: Any) -> Any:
        answer = requests.get(f"{self.base}{path}", params=params, timeout=10,
                              headers=self.headers(username))
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, username: str, path: str, body: Any, status: int = 200,
             **headers: str) -> Any:
        answer = requests.post(f"{self.base}{path}", json=body, timeout=30,
                               headers={**self.headers(username), **headers})
        assert answer.status_code == status, answer.text
        return answer.json()


def _worker_tasks(port: int, task: str) -> float:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return samples(text).get(("hub_worker_tasks_total",
                              frozenset({("task", task), ("state", "success")})), 0.0)


def _outbox(database_url: str, application_id: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(
                "SELECT topic, status FROM outbox_messages WHERE payload->>'application_id' = :a"),
                {"a": application_id})]
    finally:
        engine.dispose()


def test_web_workers_and_beat_run_a_case_and_a_sync_then_stop_cleanly(topology):
    assert "database ready" in topology.run("migrate")  # `hub init`, the one-shot service
    topology.run("migrate", ["hub", "seed", "--demo"])  # staff to drive the walk with
    for name in LONG_RUNNING:
        topology.start(name)
    hub = Hub(f"http://127.0.0.1:{topology.web_port}")
    ready = wait_for(lambda: requests.get(f"{hub.base}/readyz", timeout=3).json(),
                     "the web's readiness (database and broker)", timeout=120,
                     process=topology.processes["web"])
    assert ready["checks"] == {"database": "ok", "broker": "ok"}, topology.log("web")
    for name, port in topology.metrics_ports.items():
        wait_for(lambda port=port: requests.get(f"http://127.0.0.1:{port}/metrics",
                                                timeout=3).ok,
                 f"{name}'s metrics port", timeout=120, process=topology.processes[name])

    # A case, from the window to its one result, over HTTP.
    body = {"service_item": "business-license-change", "center": "binhe",
            "applicant": {"name": "王建国", "phone": "13912345678",
                          "id_number": with_check_character("21010319800101123")},
            "form": {"company": "沈阳盛京商贸有限公司", "credit_code": "91210103MA0XY1234X",
                     "change": "住所"}}
    case = hub.post("clerk-binhe", "/api/v1/applications", body, 201,
                    **{"Idempotency-Key": f"topology-{uuid.uuid4().hex}"})
    assert case["status"] == "in_review"
    for department in ("market", "tax"):  # stage 1, then stage 2
        task = next(t for t in case["tasks"] if t["department"] == department
                    and t["status"] == "pending")
        queue = hub.get(f"{department}-approver1", "/api/v1/tasks", status="pending")
        assert task["id"] in {t["id"] for t in queue["items"]}
        decided = hub.post(f"{department}-approver1", f"/api/v1/tasks/{task['id']}/decision",
                           {"decision": "approve", "version": task["version"]})
        case = decided["application"]
    assert case["status"] == "approved" and case["result"]["number"]

    # The outbox, relayed by the worker: the clerk is told the case is concluded.
    def concluded() -> bool:
        items = hub.get("clerk-binhe", "/api/v1/notifications")["items"]
        return any(n["kind"] == "concluded" and n["application_id"] == case["id"]
                   for n in items)

    wait_for(concluded, "the worker to deliver the outbox", timeout=60,
             process=topology.processes["worker"])
    messages = _outbox(topology.database_url, case["id"])
    assert messages and {status for _, status in messages} == {"sent"}, messages
    # The relay hands the notifications to their batch consumer, a task per relay batch.
    assert _worker_tasks(topology.metrics_ports["worker"], "approvals.notify_batch") >= 1
    figures = samples(requests.get(f"{hub.base}/metrics", timeout=10).text)
    assert figures[("hub_applications_submitted_total", frozenset({("center", "binhe")}))] == 1

    # A sync requested now runs on the sync worker (queue sync.binhe, from `sync.*`).
    started = hub.post("admin", "/api/v1/sync/binhe/runs", {}, 202)
    assert {r["stream"] for r in started["runs"]} == {"staff", "applications"}

    def synced() -> list[str] | None:
        items = hub.get("admin", "/api/v1/sync/runs", center="binhe")["items"]
        statuses = [r["status"] for r in items]
        return statuses if statuses and "running" not in statuses else None

    assert set(wait_for(synced, "the sync worker", timeout=90,
                        process=topology.processes["worker-sync"])) == {"succeeded"}
    assert _worker_tasks(topology.metrics_ports["worker-sync"], "sync.run") == 2

    # Beat's schedule reaches the worker: the outbox reconciler runs every minute.
    wait_for(lambda: _worker_tasks(topology.metrics_ports["worker"], "outbox.reconcile"),
             "beat to send the every-minute reconciler", timeout=100,
             process=topology.processes["beat"])

    codes = topology.stop()
    logs = {name: topology.log(name) for name in LONG_RUNNING}
    assert codes == dict.fromkeys(LONG_RUNNING, 0), (codes, logs)
    assert topology.leftovers() == {}, logs
