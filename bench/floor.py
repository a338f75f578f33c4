"""Benchmark: the floor of a complete application on this stack — machine CPU per
application of a deliberately minimal implementation of the same five-request walk.

``bench/floor_app.py`` is the hub's walk (a clerk's submission with an
``Idempotency-Key``, then the four approvals: market, then food, fire and environment)
with only the statements its invariants need: the case, its tasks, the idempotency key,
the center's number, the outbox, the day rollups of the center and the departments, the
center's HMAC audit chain, each request one transaction committed before it answers; the
bearer token from a dict, JSON with the json module, Flask without extensions. It is
served as ``bench/http_bench.py`` serves the hub (gunicorn, two gthread workers of four
threads), against a throwaway PostgreSQL database, and driven by the same client
(``bench/http_load.py``: one keep-alive connection per window, complete applications back
to back, closed loop). No broker: the hub's Celery worker and RabbitMQ (≈ 6 ms per
application) come on top of any figure here.

Two variants, one after the other in the same run (``--driver``): ``psycopg`` (raw
psycopg 3, one connection per server thread) and ``core`` (SQLAlchemy 2 Core ``text()``
on an Engine's QueuePool, no ORM). For each: a warm-up, one application walked to count
its statements (each answer's ``X-Statements``), then the closed loop at
``--concurrency`` windows for ``--seconds``, and ``GET /healthz`` of the same app the
same way (the stack alone). CPU per process group from /proc over each loop: web
(gunicorn and its workers), PostgreSQL (the backends of the benchmark's database and the
server's own processes, not every ``postgres`` process: the machine may be shared),
client (this process), "attributed" (their sum), machine (every core's busy time: other
work on the machine shows as its excess, "other"). SpiffWorkflow's in-memory rate (its
own virtualenv, ``make bench``) is measured first when present, for the ratio issue 23
asks.

Prints JSON, writes ``bench/results/floor.json``.
Run: ``.venv/bin/python bench/floor.py [--concurrency 4] [--seconds 10]
[--driver psycopg,core]``.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import (
    ADMIN_URL,
    PEERS_VENV,
    ROOT,
    CpuAccount,
    children,
    descendants,
    drop_database,
    machine,
    spiff,
    throwaway_database,
    wait_for_gunicorn,
    write_result,
)
from http_load import (
    CENTERS,
    DEPARTMENTS,
    Client,
    closed_loop,
    complete_application,
    healthz_loop,
)

NAME = "hub_bench_floor"
BIN = Path(sys.executable).parent
WEB_WORKERS, WEB_THREADS = 2, 4  # bench/http_bench.py's --web-workers, hub/gunicorn_conf.py
DRIVERS = ("psycopg", "core")

SCHEMA = """
CREATE TABLE cases (
    id uuid PRIMARY KEY,
    number text NOT NULL UNIQUE,
    center text NOT NULL,
    service_item text NOT NULL,
    status text NOT NULL,
    stage int NOT NULL,
    version int NOT NULL,
    applicant_name text NOT NULL,
    applicant_id_number text NOT NULL,
    applicant_phone text NOT NULL,
    form jsonb NOT NULL,
    submitted_at timestamptz NOT NULL,
    due_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    concluded_at timestamptz,
    result_number text UNIQUE
);
CREATE TABLE tasks (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES cases (id),
    stage int NOT NULL,
    department text NOT NULL,
    status text NOT NULL,
    version int NOT NULL,
    opened_at timestamptz NOT NULL,
    due_at timestamptz NOT NULL,
    decided_at timestamptz,
    decided_by text,
    UNIQUE (case_id, stage, department)
);
CREATE TABLE idempotency (
    center text NOT NULL,
    key text NOT NULL,
    case_id uuid NOT NULL REFERENCES cases (id),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (center, key)
);
CREATE TABLE number_sequences (scope text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE audit_heads (
    chain text PRIMARY KEY,
    seq bigint NOT NULL,
    hash text NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE audit_records (
    chain text NOT NULL,
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    target_id text NOT NULL,
    payload jsonb NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (chain, seq)
);
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic text NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    published_at timestamptz
);
CREATE TABLE center_days (
    center text NOT NULL,
    day date NOT NULL,
    submitted int NOT NULL DEFAULT 0,
    approved int NOT NULL DEFAULT 0,
    rejected int NOT NULL DEFAULT 0,
    PRIMARY KEY (center, day)
);
CREATE TABLE department_days (
    department text NOT NULL,
    day date NOT NULL,
    opened int NOT NULL DEFAULT 0,
    approved int NOT NULL DEFAULT 0,
    rejected int NOT NULL DEFAULT 0,
    PRIMARY KEY (department, day)
);
"""
TABLES = ("audit_records", "audit_heads", "outbox", "idempotency", "tasks", "cases",
          "number_sequences", "center_days", "department_days")


def conninfo(url: str) -> str:
    """libpq's form of a SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    import sqlalchemy as sa

    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_schema(url: str) -> None:
    import psycopg

    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute(SCHEMA)


def reset(url: str) -> None:
    """Empty every table, then start each center's audit chain (as a running hub has)."""
    import psycopg

    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)}")
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO audit_heads (chain, seq, hash, updated_at) "
                "VALUES (%s, 0, %s, now())", [(c, "0" * 64) for c in CENTERS])
        conn.execute("VACUUM ANALYZE")


def principals() -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    """The app's tokens (token → principal) and the client's cast (the same shape as
    ``bench/http_bench.py``'s: a clerk per center, an approver per department)."""
    tokens: dict[str, dict[str, str]] = {}
    cast: dict[str, Any] = {"clerks": {}, "approvers": {}}
    for center in CENTERS:
        token = os.urandom(24).hex()
        tokens[token] = {"username": f"clerk-{center}", "center": center}
        cast["clerks"][center] = {"Authorization": f"Bearer {token}"}
    for department in DEPARTMENTS:
        token = os.urandom(24).hex()
        tokens[token] = {"username": f"approver-{department}", "department": department}
        cast["approvers"][department] = {"Authorization": f"Bearer {token}"}
    return tokens, cast


class PostgresProcesses:
    """The PostgreSQL processes working for this benchmark: the backends connected to its
    database and the server's own (postmaster, WAL writer, checkpointer, background writer,
    autovacuum launcher), found through ``pg_stat_activity`` on a connection to another
    database. Not every ``postgres`` process as ``bench/http_bench.py`` counts them: the
    machine may be shared (a test suite's backends would be counted as ours)."""

    def __init__(self, url: str, database: str) -> None:
        import psycopg

        self.database = database
        self.conn = psycopg.connect(conninfo(url), autocommit=True)

    def __call__(self) -> list[int]:
        pids = [pid for (pid,) in self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s OR datname IS NULL",
            (self.database,))]
        try:  # the postmaster: the parent of the backends
            with open(f"/proc/{pids[0]}/stat", encoding="ascii") as handle:
                pids.append(int(handle.read().rpartition(")")[2].split()[1]))
        except (IndexError, OSError):
            pass
        return sorted(set(pids))

    def close(self) -> None:
        self.conn.close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FloorServer:
    """gunicorn serving ``floor_app:app`` with the hub's settings (two gthread workers of
    four threads, keep-alive 5 s, heartbeat files in /dev/shm, no access log)."""

    def __init__(self, driver: str, url: str, tokens: dict[str, Any], logs: Path) -> None:
        self.port = free_port()
        self.log = logs / f"gunicorn-{driver}.out"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "FLOOR_"))}
        env.update({"FLOOR_DRIVER": driver, "FLOOR_DATABASE_URL": url,
                    "FLOOR_CONNINFO": conninfo(url), "FLOOR_TOKENS": json.dumps(tokens)})
        self.web = subprocess.Popen(
            [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(WEB_WORKERS), "--worker-class", "gthread",
             "--threads", str(WEB_THREADS), "--keep-alive", "5", "--timeout", "30",
             "--max-requests", "20000", "--max-requests-jitter", "2000",
             "--worker-tmp-dir", "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp",
             "--chdir", str(ROOT / "bench"), "floor_app:app"],
            cwd=ROOT / "bench", env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self, timeout: float = 30) -> None:
        wait_for_gunicorn(self.web, self.port, self.log,
                          lambda: len(children(self.web.pid)) >= WEB_WORKERS, timeout)

    def account(self, postgresql: Callable[[], list[int]]) -> CpuAccount:
        return CpuAccount({"web": lambda: descendants(self.web.pid),
                           "postgresql": postgresql,
                           "client": lambda: [os.getpid()]})

    def stop(self) -> None:
        if self.web.poll() is None:
            os.killpg(self.web.pid, signal.SIGTERM)
        try:
            self.web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.web.pid, signal.SIGKILL)
            self.web.wait()


class CountingClient(Client):
    """``http_load.Client`` that also keeps each answer's ``X-Statements``."""

    def __init__(self, port: int) -> None:
        super().__init__(port, [])
        self.statements: list[tuple[str, int]] = []

    def post(self, kind: str, path: str, body: dict[str, Any], headers: dict[str, str],
             expect: int) -> dict[str, Any]:
        self.conn.request("POST", path, body=json.dumps(body).encode(),
                          headers={**headers, "Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        if response.status != expect:
            raise RuntimeError(f"{kind}: {response.status} {data[:300]!r}")
        self.statements.append((kind, int(response.getheader("X-Statements", "-1"))))
        return json.loads(data)


def count_statements(port: int, cast: dict[str, Any]) -> dict[str, Any]:
    """One complete application walked alone: the statements of each request."""
    client = CountingClient(port)
    complete_application(client, cast, CENTERS[0])
    names = ["submit", "decide_market (opens stage 2)", "decide_food", "decide_fire",
             "decide_environment (concludes)"]
    per_request = {name: n for name, (_kind, n) in zip(names, client.statements)}
    total = sum(per_request.values())
    return {"per_request": per_request, "per_application": total,
            "transactions_per_application": len(client.statements),
            # psycopg sends BEGIN before a transaction's first statement, COMMIT at its end.
            "round_trips_per_application": total + 2 * len(client.statements)}


def measure(driver: str, url: str, tokens: dict[str, Any], cast: dict[str, Any],
            concurrency: int, seconds: float, logs: Path,
            postgres: Callable[[], list[int]]) -> dict[str, Any]:
    """One variant: its server started on emptied tables, warmed up, its statements
    counted, its closed loop and its ``/healthz`` loop measured; the server stopped."""
    reset(url)
    server = FloorServer(driver, url, tokens, logs)
    try:
        server.wait_ready()
        time.sleep(1)  # both workers booted
        # Warm-up at the measured concurrency: connections opened, statements prepared.
        closed_loop(server.port, cast, max(2, concurrency), 3)
        statements = count_statements(server.port, cast)
        loop = closed_loop(server.port, cast, concurrency, seconds, server.account(postgres))
        healthz = healthz_loop(server.port, concurrency, min(seconds, 8),
                               server.account(postgres))
    finally:
        server.stop()
    # The groups' sum: what this benchmark's processes used, whatever else ran meanwhile.
    for figures in (loop["cpu_ms_per_application"], healthz["cpu_ms_per_request"]):
        figures["attributed"] = round(sum(figures[g] for g in ("web", "postgresql", "client")),
                                      2)
    cpu = loop["cpu_ms_per_application"]
    return {
        "driver": driver,
        "applications_per_second": loop["applications_per_second"],
        "requests_per_second": loop["requests_per_second"],
        "p50_ms": loop["requests"]["p50_ms"], "p99_ms": loop["requests"]["p99_ms"],
        "cpu_ms_per_application": {g: cpu[g] for g in ("web", "postgresql", "client",
                                                        "attributed", "machine", "other")},
        "statements": statements,
        "loop": loop,
        "healthz": healthz,
        "gunicorn_log_tail": server.log.read_text()[-600:] if loop["errors"] else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--driver", default=",".join(DRIVERS),
                        help="psycopg, core or both in the order given (default: both)")
    parser.add_argument("--spiff-instances", type=int, default=2000,
                        help="SpiffWorkflow's in-memory instances (0: not measured)")
    args = parser.parse_args()
    drivers = [d.strip() for d in args.driver.split(",") if d.strip()]
    if not drivers or any(d not in DRIVERS for d in drivers):
        parser.error(f"--driver: one or more of {', '.join(DRIVERS)}")
    url = throwaway_database(NAME)
    try:
        info = machine(url)
        create_schema(url)
        tokens, cast = principals()
        theirs = spiff("--instances", str(args.spiff_instances), "--only", "memory")[
            "memory"] if args.spiff_instances and (PEERS_VENV / "bin" / "python").exists() \
            else None
        postgres = PostgresProcesses(ADMIN_URL, NAME)
        try:
            with tempfile.TemporaryDirectory(prefix="hub-floor-bench-") as scratch:
                variants = {d: measure(d, url, tokens, cast, args.concurrency, args.seconds,
                                       Path(scratch), postgres) for d in drivers}
        finally:
            postgres.close()
        summary = {d: {"applications_per_second": v["applications_per_second"],
                       "p50_ms": v["p50_ms"], "p99_ms": v["p99_ms"],
                       "cpu_ms_per_application": v["cpu_ms_per_application"],
                       "statements_per_application": v["statements"]["per_application"],
                       "healthz_requests_per_second": v["healthz"]["requests_per_second"],
                       "healthz_cpu_ms_per_request": {
                           g: v["healthz"]["cpu_ms_per_request"][g]
                           for g in ("web", "postgresql", "client", "attributed", "machine")},
                       "errors": v["loop"]["errors"]}
                   for d, v in variants.items()}
        result: dict[str, Any] = {
            "benchmark": "floor: a minimal implementation of the complete-application walk "
                         f"over HTTP on PostgreSQL (gunicorn, {WEB_WORKERS} gthread workers × "
                         f"{WEB_THREADS} threads), {args.concurrency} windows, "
                         f"{args.seconds:g} s loops",
            "machine": info, "load_average_after": machine()["load_average"],
            "summary": summary, "variants": variants,
            "spiff_in_memory": theirs,
            "target": {"machine_cpu_ms_per_application": 25,
                       "ratio_of_spiff_in_memory": 0.12},
        }
        if theirs:
            rate = theirs["instances_per_second"]
            for d, v in variants.items():
                summary[d]["ratio_over_spiff_in_memory"] = round(
                    v["applications_per_second"] / rate, 3)
                summary[d]["healthz_as_applications_over_spiff"] = round(
                    v["healthz"]["as_applications_per_second"] / rate, 3)
        write_result("floor", result)
    finally:
        drop_database(NAME)


if __name__ == "__main__":
    main()
