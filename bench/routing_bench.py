"""Benchmark: the parallel-approval walks over HTTP, the warning scan, the outbox relay.

For each backend (a throwaway PostgreSQL database ``hub_bench_routing`` and a SQLite
file), builds the hub as the tests do (centers, official calendars, the API.md example
item: market, then food + fire + environment), then through the Flask test client:

- ``submit``: N submissions with an Idempotency-Key, one after the other (each writes
  the case, its task, the audit record, rollups and outbox rows, and the in-process
  relay then runs the notification consumer: the embedded default's whole path);
- ``decide``: the N market approvals, each opening three tasks (row lock, version check);
- ``submit_parallel``: 4 threads submitting at once, all at one center, then spread over
  4 centers (a center's audit chain and its day's number counter serialise its cases);
- ``scan``: the warning scan once every case and task is overdue (2 × 4N cards raised,
  each audited with an outbox row);
- ``relay`` (PostgreSQL only, real RabbitMQ in a vhost of its own): M outbox rows
  published with publisher confirms, then marked sent.

Prints one JSON object and writes it to ``bench/results/routing.json``.
Run: ``.venv/bin/python bench/routing_bench.py [--cases 400] [--messages 2000]``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub import db, migrate  # noqa: E402
from hub.clock import FrozenClock  # noqa: E402
from hub.timezones import SHANGHAI  # noqa: E402

ADMIN_URL = os.environ.get("HUB_BENCH_ADMIN_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BROKER_URL = os.environ.get("HUB_BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
NAME = "hub_bench_routing"
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
CENTERS = ("binhe", "daxi", "wulihe", "nanta")


def _timed(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"per_second": round(len(values) / sum(values), 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2)}


def _build(url: str, instance: Path, **overrides: Any):  # type: ignore[no-untyped-def]
    from hub.app import create_app
    from hub.approvals.calendar_services import seed_official_years
    from hub.directory.services import load_centers
    from hub.permissions import Principal

    app = create_app({"env": "test", "database_url": url, "instance_path": str(instance),
                      "secret_key": "bench", "pii_key": "bench", "log_level": "WARNING",
                      "centers_config": str(ROOT / "adapters" / "centers.toml"), **overrides})
    app.extensions["hub.clock"] = FrozenClock(NOW)
    migrate.upgrade(db.get_database(app).engine)
    with app.app_context(), db.get_database(app).session_scope() as session:
        load_centers(session, ROOT / "adapters" / "centers.toml", Principal.system("bench"))
        seed_official_years(session, Principal.system("bench"))
    return app


def _cast(app):  # type: ignore[no-untyped-def]
    from tests.factories import People

    with app.app_context():
        people = People(app)
        people.service_item()
        cast = {"clerks": {c: people.clerk(center=c) for c in CENTERS},
                "approvers": {d: people.approver(d) for d in ("market", "food", "fire",
                                                              "environment")}}
    return cast


def _body(center: str) -> dict[str, Any]:
    from hub.approvals.forms import with_check_character

    return {"service_item": "open-restaurant", "center": center,
            "applicant": {"name": "张三丰", "id_number": with_check_character("21010219900101123"),
                          "phone": "13812345678"}, "form": {"shop_name": "老边饺子馆"}}


def _walks(app, cases: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    cast = _cast(app)
    client = app.test_client()
    clerk = cast["clerks"]["binhe"]
    submitted, times = [], []
    for _ in range(cases):
        started = time.perf_counter()
        response = client.post("/api/v1/applications", json=_body("binhe"),
                               headers={**clerk.headers, "Idempotency-Key": uuid.uuid4().hex})
        times.append(time.perf_counter() - started)
        assert response.status_code == 201, response.get_json()
        submitted.append(response.get_json())
    result: dict[str, Any] = {"submit": _timed(times)}
    times = []
    market = cast["approvers"]["market"]
    for case in submitted:
        task = case["tasks"][0]
        started = time.perf_counter()
        response = client.post(f"/api/v1/tasks/{task['id']}/decision", headers=market.headers,
                               json={"decision": "approve", "version": task["version"]})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
    result["decide"] = _timed(times)
    for label, centers in (("one_center", ["binhe"] * 4), ("four_centers", list(CENTERS))):
        per_thread = max(10, cases // 8)
        barrier = threading.Barrier(4)

        def submit(center: str) -> None:
            own = app.test_client()
            headers = cast["clerks"][center].headers
            barrier.wait()
            for _ in range(per_thread):
                assert own.post("/api/v1/applications", json=_body(center),
                                headers=headers).status_code == 201

        threads = [threading.Thread(target=submit, args=(c,)) for c in centers]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        result[f"submit_parallel_{label}"] = {
            "threads": 4, "cases": 4 * per_thread,
            "per_second": round(4 * per_thread / elapsed, 1)}
    app.extensions["hub.clock"].set(NOW + dt.timedelta(days=40))
    started = time.perf_counter()
    with app.app_context():
        raised = app.extensions["celery"].tasks["approvals.scan_warnings"].apply().get()
    elapsed = time.perf_counter() - started
    result["scan"] = {"cards": raised["yellow"] + raised["red"], "seconds": round(elapsed, 2),
                      "cards_per_second": round((raised["yellow"] + raised["red"]) / elapsed, 1)}
    return result


def _relay(url: str, instance: Path, messages: int) -> dict[str, Any]:
    from hub.outbox.publishing import run_relay
    from hub.outbox.services import enqueue, wrote_messages

    vhost = f"hubbench-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
                   check=True, capture_output=True)
    try:
        broker = urlsplit(BROKER_URL)._replace(path=f"/{vhost}").geturl()
        app = _build(url, instance, broker_url=broker)
        with app.app_context(), db.get_database(app).session_scope() as session:
            for n in range(messages):
                enqueue(session, "bench.nothing", {"n": n}, dedupe_key=f"bench:{vhost}:{n}")
            wrote_messages(session)  # no kick: the relay is timed below
            session.commit()
        started = time.perf_counter()
        report = run_relay(app)
        elapsed = time.perf_counter() - started
        return {"messages": report.sent, "seconds": round(elapsed, 2),
                "per_second": round(report.sent / elapsed, 1),
                "batch": app.config["HUB_SETTINGS"].outbox_relay_batch}
    finally:
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{NAME}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{NAME}"'))
    pg_url = sa.make_url(ADMIN_URL).set(database=NAME).render_as_string(hide_password=False)
    results: dict[str, Any] = {"machine": {"python": platform.python_version(),
                                           "cpus": os.cpu_count()},
                               "cases": args.cases}
    try:
        with tempfile.TemporaryDirectory() as folder:
            results["postgresql"] = _walks(_build(pg_url, Path(folder) / "pg"), args.cases)
            results["sqlite"] = _walks(
                _build(f"sqlite:///{folder}/bench.sqlite3", Path(folder) / "lite"), args.cases)
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE "{NAME}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{NAME}"'))
            results["relay_postgresql_rabbitmq"] = _relay(pg_url, Path(folder) / "relay",
                                                          args.messages)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "routing.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
