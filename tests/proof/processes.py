"""The shared services as the proof stops and starts them, the way an operator would
(RabbitMQ's ``stop_app``/``start_app``, PostgreSQL's cluster restart); the hub's own
processes and a test's RabbitMQ vhost are ``tests/processes.py``'s."""
from __future__ import annotations

import os
import subprocess

from kombu import Connection

from tests.services import BROKER_URL
from tests.processes import (  # noqa: F401  (the proof's scenarios import them from here)
    BIN, ROOT, Process, free_port, gunicorn, hub_env, hub_worker, processes_clock, run,
    vhost, wait_for)

# -- The shared services ------------------------------------------------------------------


def broker_up() -> bool:
    try:
        with Connection(BROKER_URL, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=0)
        return True
    except Exception:
        return False


def stop_rabbitmq() -> None:
    run("rabbitmqctl", "stop_app")


def start_rabbitmq() -> None:
    """``start_app``, then wait until AMQP answers again."""
    run("rabbitmqctl", "start_app")
    run("rabbitmqctl", "await_startup", timeout=120)
    wait_for(broker_up, 60, "RabbitMQ to accept connections again", interval=0.5)


def postgres_cluster() -> str:
    versions = sorted(os.listdir("/etc/postgresql"))
    return versions[0]


def restart_postgres() -> None:
    """What an operator's restart does to the connections: every one is cut."""
    run("pg_ctlcluster", "--skip-systemctl-redirect", postgres_cluster(), "main", "restart",
         "-m", "fast")


def ensure_postgres() -> None:
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", postgres_cluster(),
                        "main", "start"], capture_output=True, timeout=120)
    wait_for(lambda: subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0,
             60, "PostgreSQL to accept connections", interval=0.5)
