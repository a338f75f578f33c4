"""Benchmark: the web side's CPU per complete application, in one process, without the
HTTP server: the Flask app answers the same five requests as ``http_bench.py``'s loop
(a submission and the four approvals) through its test client, one after the other, on
PostgreSQL with a broker (the consumers run elsewhere). The process's own CPU time per
application, the statements per application, and with ``--profile`` cProfile's hottest
functions. A quick, quiet figure to compare a change of the request path before the
whole-topology benchmark (``http_bench.py``, ``ab.py``) measures it.

Prints JSON, writes ``bench/results/web_cpu.json``.
Run: ``.venv/bin/python bench/web_cpu.py [--applications 400] [--profile] [--statements]``.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from common import drop_database, machine, throwaway_database, write_result
from http_bench import prepare, rabbit_vhost
from http_load import CENTERS, DEPARTMENTS, submission

NAME = "hub_bench_web_cpu"


def complete_application(client: Any, cast: dict[str, Any], center: str) -> None:
    # Responses decoded by the json module: the app's own decoder (its checks of a
    # client's body) is the server's cost, not the client's.
    response = client.post("/api/v1/applications", json=submission(center),
                           headers={**cast["clerks"][center],
                                    "Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    tasks = {t["department"]: t for t in json.loads(response.data)["tasks"]}
    for department in DEPARTMENTS:
        task = tasks[department]
        response = client.post(f"/api/v1/tasks/{task['id']}/decision",
                               json={"decision": "approve", "version": task["version"]},
                               headers=cast["approvers"][department])
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        tasks = {t["department"]: t for t in json.loads(response.data)["application"]["tasks"]}
    assert json.loads(response.data)["application"]["status"] == "approved"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=400)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--statements", action="store_true",
                        help="print the statements of one complete application")
    args = parser.parse_args()

    from hub import db
    from hub.app import create_app
    from hub.change_signals import listener

    url = throwaway_database(NAME)
    vhost, broker = rabbit_vhost()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cast = prepare(url, Path(tmp))
            app = create_app({"env": "test", "database_url": url, "instance_path": tmp,
                              "secret_key": "bench", "pii_key": "bench", "audit_key": "bench",
                              "log_level": "WARNING", "broker_url": broker})
            engine = db.get_database(app).engine
            found = listener(engine)
            deadline = time.monotonic() + 30
            while found is not None and not found.live and time.monotonic() < deadline:
                time.sleep(0.05)
            statements = 0

            def count(*_: Any) -> None:
                nonlocal statements
                statements += 1

            client = app.test_client()
            for n in range(20):  # warm-up: caches, compiled statements, tokens
                complete_application(client, cast, CENTERS[n % len(CENTERS)])
            if args.statements:
                seen: list[str] = []

                def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
                    seen.append(" ".join(statement.split())[:150])

                sa.event.listen(engine, "before_cursor_execute", record)
                complete_application(client, cast, CENTERS[0])
                sa.event.remove(engine, "before_cursor_execute", record)
                print("\n".join(seen))
            sa.event.listen(engine, "before_cursor_execute", count)
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for n in range(args.applications):
                complete_application(client, cast, CENTERS[n % len(CENTERS)])
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            state = machine(url)
            db.get_database(app).dispose()
    finally:
        drop_database(NAME)
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)
    result = {"benchmark": "the web side's CPU per complete application, one process, "
                           "Flask test client, PostgreSQL",
              "machine": state, "applications": args.applications,
              "cpu_ms_per_application": round(cpu * 1000 / args.applications, 2),
              "wall_ms_per_application": round(wall * 1000 / args.applications, 2),
              "statements_per_application": round(statements / args.applications, 2),
              "profiled": bool(profiler)}
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(45)
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(90)
        out = Path(__file__).parent / "results" / "web_cpu_profile.txt"
        out.parent.mkdir(exist_ok=True)
        out.write_text(text.getvalue())
        profiler.dump_stats(out.with_suffix(".pstats"))
        result["profile_file"] = str(out.relative_to(Path(__file__).parent.parent))
    write_result("web_cpu", result)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
