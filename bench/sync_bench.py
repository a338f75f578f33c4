"""Sync benchmark: 200,000 ``applications`` records from the HTTP fake into PostgreSQL.

Measured in one run, on a throwaway database:
- ceiling: the same rows, already prepared as COPY lines, COPY'd into a staging table
  then ``INSERT … SELECT … ON CONFLICT`` in batches of the run's size (the set-based
  ceiling), once before the loads and once after them: the ratios use the mean of the
  two times, as the machine is shared and a neighbour busy during one phase only moved
  a ratio by a third; and the same with psycopg formatting each row in the hub, as
  measured before the preparation process formatted the lines;
- first load: ``hub sync`` end to end (HTTP pages, validation, encryption, due dates,
  COPY + upsert, quarantine, cursor, rollups, audit; a commit per batch);
- re-run with nothing new (from the committed cursor), and a full re-read where every
  record comes again unchanged (``--full``);
- baseline: one ``session.merge`` per row on a sample, extrapolated (said so in the output).

Prints JSON and writes ``bench/results/sync.json``. Usage:
``python bench/sync_bench.py [--records 200000] [--merge-sample 3000] [--profile]``
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import machine  # noqa: E402

ADMIN_URL = os.environ.get("HUB_BENCH_DATABASE_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TOKEN = "bench-token"


def throwaway_database(name: str) -> str:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def start_fake(records: int) -> tuple[subprocess.Popen[str], str]:
    """The fake center in its own process (it would otherwise share the GIL with the hub)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.sample", "fake", "--applications", str(records),
         "--token", TOKEN], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline() if process.stdout else ""
    if not line.startswith("READY"):
        process.kill()
        raise SystemExit(f"the fake center did not start: {line!r}")
    return process, f"http://127.0.0.1:{line.split()[1]}"


def build_app(url: str, instance: Path) -> Any:
    from hub.app import create_app

    return create_app({"env": "development", "database_url": url, "instance_path": str(instance),
                       "secret_key": "bench", "pii_key": "bench", "log_level": "WARNING",
                       "centers_config": str(ROOT / "adapters" / "centers.toml"),
                       "sync_batch_size": 1000})


def prepare(app: Any, fake_url: str) -> None:
    from hub import db
    from hub.approvals.calendar_services import seed_official_years
    from hub.cli import cli_actor
    from hub.directory.models import Center
    from hub.directory.services import load_centers
    from hub.migrate import upgrade
    from hub.seed import seed_demo

    upgrade(db.get_database(app).engine)
    with app.app_context(), db.get_database(app).session_scope() as session:
        load_centers(session, ROOT / "adapters" / "centers.toml", cli_actor("bench"))
        seed_demo(session, cli_actor("bench"))
        seed_official_years(session, cli_actor("bench"))
        session.get(Center, "binhe").adapter = {
            "kind": "http_json", "base_url": fake_url, "token_env": "HUB_BENCH_TOKEN",
            "batch_size": 1000}
        session.commit()
    os.environ["HUB_BENCH_TOKEN"] = TOKEN


def prepared_rows(app: Any, fake_url: str, center: str) -> list[Any]:
    """Every record prepared as the writer gets it (untimed: the ceiling's input)."""
    import requests

    from hub import db
    from hub.sync.prepare import Preparer
    from hub.sync.services import run_context
    from hub.sync.source import Page

    with app.app_context(), db.get_database(app).session_scope() as session:
        preparer = Preparer(dataclasses.replace(  # the rows too: the merge baseline's input
            run_context(session, center, "applications"), keep_rows=True))
    rows: list[Any] = []
    since = None
    with requests.Session() as http:
        while True:
            body = http.get(f"{fake_url}/export/applications",
                            params={"limit": 10000, **({"since": since} if since else {})},
                            headers={"Authorization": f"Bearer {TOKEN}"}).json()
            if not body["records"]:
                break
            since = body["next"]
            page = preparer.prepare(Page(body["records"], since))
            rows.extend(page.valid)
    return rows


def ceiling(app: Any, cases: list[Any], batch: int = 1000) -> float:
    """Seconds to COPY the prepared lines + INSERT … SELECT … ON CONFLICT, batch by batch."""
    from hub import clock, db
    from hub.sync.writers import _copy_upsert_applications

    lines = [case.line for case in cases]
    started = time.perf_counter()
    with app.app_context(), db.get_database(app).session_scope() as session:
        for start in range(0, len(lines), batch):
            _copy_upsert_applications(session, lines[start:start + batch], clock.now())
            session.commit()
    return time.perf_counter() - started


def ceiling_formatting_rows(app: Any, cases: list[Any], batch: int = 1000) -> float:
    """The ceiling as measured before the preparation process: the same staging COPY and
    upsert, with psycopg formatting each row's values in the hub (``Copy.write_row``)."""
    from hub import clock, db
    from hub.sync.prepare import COPY_COLUMNS
    from hub.sync.writers import stage, upsert_from_stage

    rows = [[json.dumps(c.row[k]) if k == "form" else c.row[k] for k in COPY_COLUMNS]
            for c in cases]
    started = time.perf_counter()
    with app.app_context(), db.get_database(app).session_scope() as session:
        for start in range(0, len(rows), batch):
            with stage(session) as copy:
                for row in rows[start:start + batch]:
                    copy.write_row(row)
            upsert_from_stage(session, clock.now())
            session.commit()
    return time.perf_counter() - started


def merge_baseline(app: Any, rows: list[dict[str, Any]]) -> float:
    """Seconds for one ORM merge per row (looked up by its natural key first), a commit per
    thousand: how a naive sync would do it."""
    from hub import db
    from hub.approvals.models import Application

    started = time.perf_counter()
    with app.app_context(), db.get_database(app).session_scope() as session:
        for n, row in enumerate(rows, 1):
            existing = session.scalar(sa.select(Application.id).where(
                Application.center_code == row["center_code"],
                Application.external_id == row["external_id"]))
            session.merge(Application(**{**row, "id": existing or row["id"]}))
            if n % 1000 == 0:
                session.commit()
        session.commit()
    return time.perf_counter() - started


def table_bytes(app: Any) -> int:
    from hub import db

    with db.get_database(app).engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_total_relation_size('applications')")).scalar())


def truncate(app: Any) -> None:
    from hub import db

    with db.get_database(app).engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE applications, supervision_center_days, supervision_center_working_days, "
                             "sync_cursors, sync_quarantine, sync_runs CASCADE"))


def sync_once(app: Any, *, full: bool = False, profile: Path | None = None) -> dict[str, Any]:
    from hub import db
    from hub.sync.runner import sync_center

    profiler = None
    if profile is not None:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
    started = time.perf_counter()
    with app.app_context():
        [run] = sync_center(db.get_database(app), "binhe", stream="applications",
                            trigger="bench", requested_by="bench", full=full)
    seconds = time.perf_counter() - started
    if profiler is not None and profile is not None:
        profiler.stop()
        profile.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    if run.status != "succeeded":
        raise SystemExit(f"sync failed: {run.error}")
    return {"seconds": round(seconds, 3), "fetched": run.fetched, "inserted": run.inserted,
            "updated": run.updated, "unchanged": run.unchanged, "rejected": run.rejected,
            "records_per_second": round(run.fetched / seconds) if run.fetched else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--merge-sample", type=int, default=3000)
    parser.add_argument("--profile", action="store_true",
                        help="profile the first load with pyinstrument (bench/results/)")
    args = parser.parse_args()
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    name = f"hub_bench_sync_{os.getpid()}"
    url = throwaway_database(name)
    fake, fake_url = start_fake(args.records)
    try:
        app = build_app(url, results_dir / "instance")
        prepare(app, fake_url)
        rows = prepared_rows(app, fake_url, "binhe")
        ceiling_before_seconds = ceiling(app, rows)
        truncate(app)
        rows_ceiling_seconds = ceiling_formatting_rows(app, rows)
        truncate(app)
        first = sync_once(app, profile=results_dir / "sync_profile.txt" if args.profile else None)
        size_after_first = table_bytes(app)
        rerun = sync_once(app)
        full = sync_once(app, full=True)
        size_after_full = table_bytes(app)
        truncate(app)
        ceiling_after_seconds = ceiling(app, rows)
        ceiling_seconds = (ceiling_before_seconds + ceiling_after_seconds) / 2
        now = datetime.datetime.now(datetime.timezone.utc)
        sample = [{**c.row, "center_code": "daxi", "number": "M" + c.row["number"][1:],
                   "created_at": now, "updated_at": now} for c in rows[:args.merge_sample]]
        merge_seconds = merge_baseline(app, sample)
        merge_rate = len(sample) / merge_seconds
        ceiling_rate = len(rows) / ceiling_seconds
        result = {
            "benchmark": "sync applications: HTTP fake -> PostgreSQL",
            "records": args.records, "batch_size": 1000,
            "machine": {**machine(), "postgresql": pg_version(app)},
            "ceiling_copy_staging_upsert": {
                "seconds": round(ceiling_seconds, 3), "records_per_second": round(ceiling_rate),
                "seconds_before_loads": round(ceiling_before_seconds, 3),
                "seconds_after_loads": round(ceiling_after_seconds, 3),
                "note": "the mean of the two times, measured before and after the loads"},
            "ceiling_rows_formatted_by_psycopg": {
                "seconds": round(rows_ceiling_seconds, 3),
                "records_per_second": round(len(rows) / rows_ceiling_seconds),
                "note": "the ceiling as sessions before the preparation process measured it"},
            "first_load": first,
            "rerun_nothing_new": rerun,
            "full_reread_all_unchanged": full,
            "merge_baseline": {"sample": len(sample), "seconds": round(merge_seconds, 3),
                               "records_per_second": round(merge_rate),
                               "extrapolated_seconds_for_all": round(args.records / merge_rate, 1),
                               "note": "measured on a sample, extrapolated linearly"},
            "ratios": {
                "first_load_vs_ceiling": round(first["records_per_second"] / ceiling_rate, 3),
                "first_load_vs_ceiling_rows_formatted": round(
                    first["records_per_second"] * rows_ceiling_seconds / len(rows), 3),
                "first_load_vs_merge": round(first["records_per_second"] / merge_rate, 1),
                "full_reread_vs_first_load": round(full["records_per_second"]
                                                   / first["records_per_second"], 2)},
            "table_bytes": {"after_first_load": size_after_first,
                            "after_full_reread": size_after_full},
        }
        result["load_average_after"] = machine()["load_average"]
        result["targets_met"] = {
            "first_load_at_least_half_the_ceiling": result["ratios"]["first_load_vs_ceiling"] >= 0.5,
            "first_load_at_least_10x_merge": result["ratios"]["first_load_vs_merge"] >= 10,
            "reread_at_least_2x_first_load": result["ratios"]["full_reread_vs_first_load"] >= 2,
        }
        text = json.dumps(result, indent=2, ensure_ascii=False)
        (results_dir / "sync.json").write_text(text + "\n", encoding="utf-8")
        print(text)
        from hub import db

        db.get_database(app).dispose()
    finally:
        fake.terminate()
        fake.wait(timeout=10)
        drop_database(name)


def pg_version(app: Any) -> str:
    from hub import db

    with db.get_database(app).engine.connect() as conn:
        return str(conn.execute(sa.text("SHOW server_version")).scalar())


if __name__ == "__main__":
    main()
