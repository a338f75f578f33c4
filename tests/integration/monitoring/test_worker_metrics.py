"""A real Celery worker (prefork, two children) on the real RabbitMQ serves its own
metrics port: the tasks its children ran are counted there, from an emptied directory."""
from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from celery import Celery
from kombu import Connection

from hub.celery import quorum_queue
from hub.config import load_settings
from tests.conftest import BROKER_URL, unavailable
from tests.e2e.monitoring.exposition import samples
from tests.integration.monitoring.servers import free_port, stop, wait_for
from tests.processes import hub_env
from tests.services import require_binary

TASK = "approvals.scan_warnings"


@pytest.fixture
def queue() -> str:
    """A queue of this test's own on the shared broker, deleted afterwards."""
    name = f"test-worker-metrics-{uuid.uuid4().hex[:8]}"
    try:
        with Connection(BROKER_URL, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001 - any failure to reach it
        unavailable("RabbitMQ", exc)
    yield name
    with Connection(BROKER_URL) as connection:
        for delete in (connection.default_channel.queue_delete,
                       connection.default_channel.exchange_delete):
            try:
                delete(name)
            except Exception:  # noqa: BLE001 - the worker may never have declared it
                pass


def _tasks_run(port: int) -> float:
    found = samples(requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text)
    return found.get(("hub_worker_tasks_total",
                      frozenset({("task", TASK), ("state", "success")})), 0.0)


@pytest.mark.broker
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_worker_counts_its_childrens_tasks(app, database_url, queue, tmp_path) -> None:
    promtool = require_binary("promtool", "prometheus")
    folder = tmp_path / "worker-metrics"
    folder.mkdir()
    (folder / "counter_4242.db").write_bytes(b"left by an earlier run")
    port = free_port()
    env = hub_env(app, HUB_BROKER_URL=BROKER_URL, HUB_INSTANCE_PATH=str(tmp_path / "i"),
                  HUB_WORKER_METRICS_PORT=str(port), PROMETHEUS_MULTIPROC_DIR=str(folder))
    hub = str(Path(sys.executable).with_name("hub"))
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [hub, "worker", "--queues", queue, "--concurrency", "2", "--loglevel", "WARNING",
         "--pool", "prefork", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).ok,
                 "the worker's metrics port", process=process)
        assert not (folder / "counter_4242.db").exists()  # wiped at start
        assert _tasks_run(port) == 0

        # Declared as the hub declares its queues (quorum, delivery limit, dead letters).
        settings = load_settings(environ={}, overrides={
            "env": "test", "broker_url": BROKER_URL, "secret_key": "s", "pii_key": "p"})
        sender = Celery(broker=BROKER_URL)
        for _ in range(3):
            sender.send_task(TASK, queue=quorum_queue(queue, settings))
        wait_for(lambda: _tasks_run(port) == 3, "three tasks counted", process=process)
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert f'hub_worker_task_duration_seconds_count{{task="{TASK}"}} 3.0' in text
        checked = subprocess.run([promtool, "check", "metrics"], input=text, text=True,
                                 capture_output=True, timeout=60)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        stop(process, timeout=30)
        log.close()
