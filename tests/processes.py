"""The hub's own processes as tests start them (gunicorn with ``hub/gunicorn_conf.py``,
``hub worker``, the ``hub`` command), each in its own process group so SIGKILL takes its
children too, a RabbitMQ vhost of a test's own, and the environment that gives each
process the test's hub: its database, keys and clock (``HUB_CLOCK_OFFSET_SECONDS``: a
process a test starts reads the test's tokens and deadlines on the test's clock, not on
the machine's calendar)."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from flask import Flask
from kombu import Connection

from hub import change_signals
from hub.clock import OffsetClock
from tests.services import BROKER_URL, unavailable

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str,
             interval: float = 0.1) -> Any:
    """Poll until ``condition`` is truthy; the deadline only turns a hang into a clear
    failure (no timing is asserted)."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = condition()
            if result:
                return result
        except Exception as exc:  # a service coming back answers with errors first
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what} (last error: {last!r})")


def live_listener(engine: sa.Engine) -> change_signals.Listener:
    """This process's change listener on ``engine`` (PostgreSQL), once it listens: from
    then on the caches it empties serve, as in a running server."""
    found = change_signals.listener(engine)
    assert found is not None, "change signals need PostgreSQL"
    wait_for(lambda: found.live, 30, "the change listener to LISTEN")
    return found


def processes_clock(app: Flask) -> OffsetClock:
    """The clock of every process a test starts for ``app``: the machine's, moved to where
    the test's clock stood when the first of them was started, so that they all share one
    timeline and the test can read it too."""
    clock = app.extensions.get("tests.processes_clock")
    if clock is None:
        offset = app.extensions["hub.clock"].now() - dt.datetime.now(dt.timezone.utc)
        clock = app.extensions["tests.processes_clock"] = OffsetClock(offset)
    return clock


def hub_env(app: Flask, **extra: str) -> dict[str, str]:
    """The environment that gives a subprocess the same hub as ``app``, its clock
    included: the process's clock is the machine's moved to the test's now, and runs on
    from there (a frozen clock the test moves later is not followed: move it first)."""
    settings = app.config["HUB_SETTINGS"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HUB_ENV": "test",
           "HUB_DATABASE_URL": settings.database_url, "HUB_SECRET_KEY": settings.secret_key,
           "HUB_PII_KEY": settings.pii_key, "HUB_AUDIT_KEY": settings.audit_key,
           "HUB_INSTANCE_PATH": settings.instance_path,
           "HUB_CENTERS_CONFIG": settings.centers_config, "HUB_LOG_LEVEL": "WARNING",
           "HUB_TASK_DELIVERY_LIMIT": str(settings.task_delivery_limit),
           "HUB_CLOCK_OFFSET_SECONDS": repr(processes_clock(app).offset.total_seconds())}
    if settings.broker_url:
        env["HUB_BROKER_URL"] = settings.broker_url
    else:
        env.pop("HUB_BROKER_URL", None)
    env.update(extra)
    return env


class Process:
    """A subprocess in its own session: ``kill()`` is SIGKILL to the whole group."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.argv, self.env, self.log = argv, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=ROOT,
                                        start_new_session=True, stdout=self.log.open("ab"),
                                        stderr=subprocess.STDOUT)
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 20) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        # Children of the group that outlived their parent.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.returncode

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def hub_worker(app: Flask, log: Path, *, queues: str = "default", concurrency: int = 2,
               include: str | None = None, **env: str) -> Process:
    argv = [str(BIN / "hub"), "worker", "--queues", queues, "--concurrency", str(concurrency),
            "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
            "--without-heartbeat"]
    if include:
        argv += ["--include", include]
    return Process(argv, hub_env(app, **env), log)


@contextlib.contextmanager
def gunicorn(app: Flask, folder: Path, *, workers: int = 2, project_logging: bool = False,
             **env: str) -> Iterator[str]:
    """The hub under gunicorn with the project's settings (hub/gunicorn_conf.py) on
    127.0.0.1; yields its base URL, stops it (SIGTERM) afterwards. Its output goes to
    ``folder / "gunicorn.log"``: without ``project_logging`` no access log; with it,
    whatever the project's configuration logs (a test reading the logs passes
    ``HUB_LOG_LEVEL`` too)."""
    port = free_port()
    metrics = folder / "metrics"
    metrics.mkdir(parents=True, exist_ok=True)
    quiet = [] if project_logging else ["--access-logfile", "/dev/null"]
    server = Process(
        [str(BIN / "gunicorn"), "--config", "python:hub.gunicorn_conf", *quiet, "hub.wsgi:app"],
        hub_env(app, HUB_BIND=f"127.0.0.1:{port}", HUB_WEB_WORKERS=str(workers),
                PROMETHEUS_MULTIPROC_DIR=str(metrics), HUB_METRICS_CACHE_SECONDS="5", **env),
        folder / "gunicorn.log").start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{base}/healthz", timeout=2).ok and server.alive, 60,
                 f"gunicorn ({server.tail()})")
        yield base
    finally:
        server.stop(40)


def run(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), check=True, capture_output=True, text=True,
                          timeout=timeout)


@contextlib.contextmanager
def vhost() -> Iterator[str]:
    """A RabbitMQ vhost of the test's own (its queues go with it); yields its URL."""
    name = f"hubtest-{uuid.uuid4().hex[:10]}"
    try:
        with Connection(BROKER_URL, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
        run("rabbitmqctl", "add_vhost", name, timeout=30)
        run("rabbitmqctl", "set_permissions", "-p", name, "guest", ".*", ".*", ".*",
            timeout=30)
    except Exception as exc:  # unreachable broker or no rabbitmqctl: say so loudly
        unavailable("RabbitMQ", exc)
    try:
        yield urlsplit(BROKER_URL)._replace(path=f"/{name}").geturl()
    finally:
        with contextlib.suppress(Exception):
            run("rabbitmqctl", "delete_vhost", name, timeout=60)
