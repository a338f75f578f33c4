"""Benchmark: complete applications per second over HTTP on PostgreSQL, beside
SpiffWorkflow's in-memory instances per second in the same run; a web worker's memory.

The production topology, all on this machine: gunicorn with two workers
(``hub/gunicorn_conf.py``, gthread), PostgreSQL, RabbitMQ (a vhost of its own) and one
``hub worker`` relaying the outbox and running the notification consumers. A client
on 127.0.0.1 (this process, keep-alive connections, one thread per simulated window)
runs complete applications: a clerk's submission (``Idempotency-Key``), then the four
approvals of API.md's example item (market, then food, fire and environment), each a
separate request whose response carries the next task's id and version. Every request
commits its change with its audit records, rollups and outbox rows before it answers.

Steps: warm-up; then closed loops at each ``--concurrency`` level for ``--seconds``
(throughput and latency at that load); SpiffWorkflow's in-memory run of the same
workflow between them. The web workers' resident memory is sampled all along (idle
after start, peak under load). ``--profile`` records the workers with py-spy during
one more loop and writes the hottest frames to ``bench/results/http_profile.txt``.

Prints JSON, writes ``bench/results/http.json``.
Run: ``.venv/bin/python bench/http_bench.py [--concurrency 2,4,8] [--seconds 15]``.
"""
from __future__ import annotations

import argparse
import collections
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from common import (
    BROKER_URL,
    RESULTS,
    ROOT,
    CpuAccount,
    children,
    descendants,
    drop_database,
    machine,
    pids_named,
    py_spy,
    rss_kib,
    spiff,
    throwaway_database,
    wait_for_gunicorn,
    write_result,
)
from http_load import CENTERS, DEPARTMENTS, closed_loop, healthz_loop

if TYPE_CHECKING:
    from flask import Flask

    from tests.factories import People

NAME = "hub_bench_http"
BIN = Path(sys.executable).parent


# -- The hub under test -------------------------------------------------------------------------


def prepare(url: str, instance: Path,
            extend: Callable[[Flask, People], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Migrate, load the centers and the official calendars, the example item, a clerk
    per center and an approver per department; their bearer tokens. ``extend`` (another
    benchmark's) adds to the cast with the same app and people, inside the app context."""
    from hub import db, migrate
    from hub.app import create_app
    from hub.approvals.calendar_services import seed_official_years
    from hub.directory.services import load_centers
    from hub.permissions import Principal
    from tests.factories import People

    app = create_app({"env": "test", "database_url": url, "instance_path": str(instance),
                      "secret_key": "bench", "pii_key": "bench", "audit_key": "bench",
                      "log_level": "WARNING",
                      "centers_config": str(ROOT / "adapters" / "centers.toml")})
    migrate.upgrade(db.get_database(app).engine)
    with app.app_context():
        with db.get_database(app).session_scope() as session:
            load_centers(session, ROOT / "adapters" / "centers.toml", Principal.system("bench"))
            seed_official_years(session, Principal.system("bench"))
        people = People(app)
        people.service_item()
        cast = {"clerks": {c: people.clerk(center=c).headers for c in CENTERS},
                "approvers": {d: people.approver(d).headers for d in DEPARTMENTS}}
        if extend is not None:
            cast.update(extend(app, people))
        people.close()
    db.get_database(app).dispose()
    return cast


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rabbit_vhost() -> tuple[str, str]:
    vhost = f"hubbench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
                   check=True, capture_output=True)
    return vhost, urlsplit(BROKER_URL)._replace(path=f"/{vhost}").geturl()


def server_env(url: str, broker: str, port: int, logs: Path, workers: int) -> dict[str, str]:
    """The environment the production topology's servers run with (the compose file's),
    this machine's own HUB_ settings left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "PROMETHEUS_"))}
    env.update({"HUB_ENV": "production", "HUB_DATABASE_URL": url, "HUB_BROKER_URL": broker,
                "HUB_SECRET_KEY": "bench", "HUB_PII_KEY": "bench", "HUB_AUDIT_KEY": "bench",
                "HUB_INSTANCE_PATH": str(logs / "instance"),
                "HUB_CENTERS_CONFIG": str(ROOT / "adapters" / "centers.toml"),
                "HUB_BIND": f"127.0.0.1:{port}", "HUB_WEB_WORKERS": str(workers)})
    return env


class Servers:
    """gunicorn (two workers) and one ``hub worker``, as the compose file runs them."""

    def __init__(self, url: str, broker: str, port: int, logs: Path, workers: int) -> None:
        env = server_env(url, broker, port, logs, workers)
        self.port = port
        self.logs = logs
        self.web = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "python:hub.gunicorn_conf", "hub.wsgi:app"],
            cwd=ROOT, env=env, stdout=(logs / "gunicorn.out").open("w"),
            stderr=subprocess.STDOUT, start_new_session=True)
        self.worker = subprocess.Popen(
            [str(BIN / "hub"), "worker", "--queues", "default", "--concurrency", "2",
             "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=(logs / "worker.out").open("w"), stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        wait_for_gunicorn(self.web, self.port, self.logs / "gunicorn.out",
                          lambda: len(self.web_workers()) >= 1, timeout)

    def account(self) -> CpuAccount:
        """Where the CPU goes: the web server, the Celery worker, PostgreSQL (every
        ``postgres`` process), RabbitMQ, this client, and the rest of the machine."""
        return CpuAccount({
            "web": lambda: descendants(self.web.pid),
            "celery_worker": lambda: descendants(self.worker.pid),
            "postgresql": lambda: pids_named("postgres"),
            "rabbitmq": lambda: pids_named("beam.smp"),
            "client": lambda: [os.getpid()]})

    def web_workers(self) -> list[int]:
        return children(self.web.pid)

    def stop(self) -> None:
        for process in (self.web, self.worker):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.web, self.worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class MemoryWatch:
    """Samples the web workers' resident memory every half second."""

    def __init__(self, servers: Servers) -> None:
        self.servers = servers
        self.peak_kib = 0
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for pid in self.servers.web_workers():
                try:
                    now, high = rss_kib(pid)
                except FileNotFoundError:
                    continue
                self.samples.append(now)
                self.peak_kib = max(self.peak_kib, high)

    def __enter__(self) -> "MemoryWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def profile(servers: Servers, port: int, cast: dict[str, Any], concurrency: int,
            seconds: float) -> dict[str, Any] | None:
    """py-spy (``--gil``: the frames holding the GIL, i.e. CPU spent in Python) on the two
    web workers and on the Celery worker's processes during one more loop; the hottest
    frames, own and cumulative, written to ``bench/results/http_profile_<group>.txt``."""
    tool = py_spy()
    if tool is None:
        return None
    RESULTS.mkdir(parents=True, exist_ok=True)
    groups = {"web": servers.web_workers(),
              "celery_worker": [p for p in descendants(servers.worker.pid)]}
    raw = {name: [RESULTS / f"http_profile_{name}.{pid}.raw" for pid in pids]
           for name, pids in groups.items()}
    spies = [subprocess.Popen([str(tool), "record", "--pid", str(pid), "--duration",
                               str(int(seconds)), "--rate", "200", "--format", "raw", "--gil",
                               "--nonblocking", "--output", str(path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for name, pids in groups.items() for pid, path in zip(pids, raw[name])]
    time.sleep(1)
    loop = closed_loop(port, cast, concurrency, seconds - 2)
    for spy in spies:
        spy.wait(timeout=120)
    files = {}
    for name, paths in raw.items():
        own: collections.Counter[str] = collections.Counter()
        total: collections.Counter[str] = collections.Counter()
        samples = 0
        for path in paths:
            if not path.exists():
                continue
            for line in path.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                frames = stack.split(";")
                n = int(count)
                samples += n
                own[frames[-1]] += n
                for frame in set(frames):
                    total[frame] += n
            path.unlink()
        out = RESULTS / f"http_profile_{name}.txt"
        lines = [f"py-spy --gil (frames holding the GIL: CPU in Python), {name}, "
                 f"{len(paths)} processes, {samples} samples at 200 Hz, "
                 f"{loop['applications_per_second']} applications/s during the recording", "",
                 "own time (top 40):"]
        lines += [f"{n / max(1, samples) * 100:6.1f} %  {frame}"
                  for frame, n in own.most_common(40)]
        lines += ["", "cumulative (top 100):"]
        lines += [f"{n / max(1, samples) * 100:6.1f} %  {frame}"
                  for frame, n in total.most_common(100)]
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files[name] = {"samples": samples, "file": str(out.relative_to(ROOT))}
    return {"files": files, "loop": loop}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", default="2,4,8")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--spiff-instances", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    url = throwaway_database(NAME)
    vhost, broker = rabbit_vhost()
    servers = None
    try:
        with tempfile.TemporaryDirectory(prefix="hub-http-bench-") as scratch:
            folder = Path(scratch)
            cast = prepare(url, folder / "prepare")
            info = machine(url)
            port = free_port()
            servers = Servers(url, broker, port, folder, args.web_workers)
            servers.wait_ready()
            time.sleep(1)  # both workers booted
            idle = {pid: rss_kib(pid)[0] for pid in servers.web_workers()}
            with MemoryWatch(servers) as memory:
                closed_loop(port, cast, 2, 3)  # warm-up: connections, caches, JIT-free paths
                warm = {pid: rss_kib(pid)[0] for pid in servers.web_workers()}
                loops = [closed_loop(port, cast, levels[0], args.seconds, servers.account())]
                theirs = spiff("--instances", str(args.spiff_instances), "--only", "memory")
                for level in levels[1:]:
                    loops.append(closed_loop(port, cast, level, args.seconds,
                                             servers.account()))
                ceiling = healthz_loop(port, max(levels), min(args.seconds, 8),
                                       servers.account())
                profiled = profile(servers, port, cast, max(levels),
                                   args.seconds) if args.profile else None
            spiff_rate = theirs["memory"]["instances_per_second"]
            within = [loop for loop in loops if loop["requests"]["p99_ms"] < 100]
            best = max(within or loops, key=lambda loop: loop["applications_per_second"])
            idle_mib = max(idle.values()) / 1024
            result = {
                "benchmark": "complete applications over HTTP on PostgreSQL (gunicorn, "
                             f"{args.web_workers} workers) vs SpiffWorkflow in memory",
                "machine": info, "load_average_after": machine()["load_average"],
                "topology": {"web_workers": args.web_workers, "threads_per_worker": 4,
                             "celery_worker_processes": 2, "broker": "RabbitMQ (own vhost)"},
                "spiff_in_memory": theirs["memory"], "loops": loops,
                "stack_ceiling_healthz": ceiling,
                "best_within_p99_100ms": {
                    "concurrency": best["concurrency"],
                    "applications_per_second": best["applications_per_second"],
                    "p99_ms": best["requests"]["p99_ms"],
                    "cpu_ms_per_application": best["cpu_ms_per_application"]},
                "ratio_ours_over_spiff_in_memory": round(
                    best["applications_per_second"] / spiff_rate, 3),
                "ratio_stack_ceiling_over_spiff_in_memory": round(
                    ceiling["as_applications_per_second"] / spiff_rate, 3),
                "ratio_ours_over_stack_ceiling": round(
                    best["applications_per_second"] / ceiling["as_applications_per_second"], 3),
                "memory": {
                    "web_worker_idle_mib": round(idle_mib, 1),
                    "web_worker_after_warmup_mib": round(max(warm.values()) / 1024, 1),
                    "web_worker_peak_under_load_mib": round(memory.peak_kib / 1024, 1),
                    "peak_over_idle": round(memory.peak_kib / 1024 / idle_mib, 2)},
                "profile": profiled,
            }
            result["targets_met"] = {
                "at_least_spiff_rate": best["applications_per_second"] >= spiff_rate,
                "p99_under_100ms_at_that_rate": best["requests"]["p99_ms"] < 100
                and best["applications_per_second"] >= spiff_rate}
            servers.stop()
            servers = None
            write_result("http", result)
    finally:
        if servers is not None:
            servers.stop()
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)
        drop_database(NAME)


if __name__ == "__main__":
    main()
