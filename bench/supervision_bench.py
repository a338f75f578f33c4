"""Benchmark: a Prometheus scrape and the supervision API over 10k → 100k → 1M applications.

Builds a throwaway PostgreSQL database (``hub_bench_supervision``), loads the sixteen
centers, ten departments and one service item, then grows the applications table in
steps with ``generate_series`` (three years of cases, 2024-01-01 → 2026-11-30, spread
over the centers; 1 % still open, in the last thirty days; two approval tasks per case,
pending while the case is open). After each step the rollups are recounted in SQL from
the rows (what ``track_application``/``track_task`` would have kept), the tables are
analysed, and each endpoint is requested ``--runs`` times through the Flask test client
on a PostgreSQL-backed app, the metrics cache off (every scrape reads the database):

- ``GET /metrics``: the whole scrape (database collectors and exposition);
- ``GET /api/v1/supervision/centers?from=2026-01-01&to=2026-12-31`` (the year) and
  without a period (all time), ``/departments`` and ``/ranking`` for the year (each row
  with ``overdue``: a range on ``due_at`` over the open cases' partial index);
- ``GET /api/v1/supervision/report?year=2026`` (counted from the applications table);
- ``GET /api/v1/supervision/unattended`` (the first page of the pending steps nobody can
  act on: no department has an approver in this database, so every pending step).

Prints one JSON object and writes it to ``bench/results/supervision.json``.
Run: ``.venv/bin/python bench/supervision_bench.py [--sizes 10000,100000,1000000]``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub import db, migrate
from hub.clock import FrozenClock
from hub.directory.services import load_centers
from hub.permissions import Principal
from hub.timezones import SHANGHAI

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("HUB_BENCH_ADMIN_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = "hub_bench_supervision"
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
DEPARTMENTS = ("market", "food", "fire", "environment", "tax", "social", "housing",
               "health", "transport", "civil")

ENDPOINTS = {
    "metrics": "/metrics",
    "centers_year": "/api/v1/supervision/centers?from=2026-01-01&to=2026-12-31",
    "centers_all_time": "/api/v1/supervision/centers",
    "departments_year": "/api/v1/supervision/departments?from=2026-01-01&to=2026-12-31",
    "ranking_year": "/api/v1/supervision/ranking?from=2026-01-01&to=2026-12-31",
    "report_year": "/api/v1/supervision/report?year=2026",
    "unattended": "/api/v1/supervision/unattended",
}

# One statement per step: rows first+1 … last, deterministic pseudo-random spread.
INSERT_APPLICATIONS = """
WITH src AS (
  SELECT g,
         (ARRAY[{centers}])[1 + (g * 7) % 16] AS center,
         g % 100 = 0 AS open,
         CASE WHEN g % 100 = 0
              THEN TIMESTAMPTZ '2026-11-30 00:00+08' - ((g * 13) % 30) * INTERVAL '1 day'
              ELSE TIMESTAMPTZ '2024-01-01 08:30+08' + ((g * 7919) % 1064) * INTERVAL '1 day'
              END + ((g * 31) % 28800) * INTERVAL '1 second' AS submitted_at
  FROM generate_series(CAST(:first AS bigint) + 1, CAST(:last AS bigint)) AS g
)
INSERT INTO applications (id, number, center_code, service_item_code, status, stage, source,
  applicant_name, form, submitted_at, due_at, yellow_at, due_at_provisional, paused_working_days,
  concluded_at, status_reason, version, created_at, updated_at)
SELECT md5('app' || g)::uuid, 'B' || g, center, 'open-restaurant',
       CASE WHEN open THEN 'in_review'
            WHEN g % 20 = 1 THEN 'rejected' WHEN g % 25 = 2 THEN 'withdrawn'
            ELSE 'approved' END,
       1, CASE WHEN g % 3 = 0 THEN 'sync' ELSE 'hub' END,
       '张*', '{{}}', submitted_at,
       date_trunc('day', submitted_at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'
         + INTERVAL '14 days 23:59:59',
       date_trunc('day', submitted_at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'
         + INTERVAL '13 days',
       false, 0,
       CASE WHEN open THEN NULL ELSE submitted_at + ((g * 17) % 16 + 1) * INTERVAL '1 day' END,
       CASE WHEN g % 20 = 1 THEN (ARRAY['材料不全','不符合条件','超出经营范围'])[1 + g % 3] END,
       1, submitted_at, submitted_at
FROM src
"""

INSERT_TASKS = """
INSERT INTO approval_tasks (id, application_id, stage, department_code, days, status,
  opened_at, due_at, yellow_at, due_at_provisional, paused_working_days, decided_at,
  decided_by, version, created_at, updated_at)
SELECT md5('task' || a.number || s)::uuid, a.id, s,
       (ARRAY[{departments}])[1 + (abs(hashtext(a.number)) + s) % 10], 5,
       CASE WHEN a.concluded_at IS NULL THEN 'pending'
            WHEN a.status = 'rejected' AND s = 2 THEN 'rejected' ELSE 'approved' END,
       a.submitted_at, a.submitted_at + INTERVAL '7 days', a.submitted_at + INTERVAL '6 days',
       false, 0,
       CASE WHEN a.concluded_at IS NOT NULL
            THEN a.submitted_at + (a.concluded_at - a.submitted_at) * s / 2 END,
       CASE WHEN a.concluded_at IS NOT NULL THEN 'bench' END, 1, a.submitted_at, a.submitted_at
FROM applications a CROSS JOIN generate_series(1, 2) AS s
WHERE substr(a.number, 2)::bigint > :first
"""

# Loading a million rows takes longer than the app's 30 s statement timeout.
NO_TIMEOUT = "SET LOCAL statement_timeout = 0"
LOCAL = "(({col}) AT TIME ZONE 'Asia/Shanghai')::date"

RECOUNT = [
    "TRUNCATE supervision_center_days, supervision_center_working_days, "
    "supervision_department_days, supervision_department_working_days, "
    "supervision_decision_durations",
    f"""INSERT INTO supervision_center_days (center_code, day, submitted)
        SELECT center_code, {LOCAL.format(col='submitted_at')}, count(*) FROM applications
        GROUP BY 1, 2""",
    f"""INSERT INTO supervision_center_days AS t (center_code, day, approved_on_time,
          approved_late, rejected_on_time, rejected_late, withdrawn_on_time, withdrawn_late,
          early, last_day)
        SELECT center_code, {LOCAL.format(col='concluded_at')},
          count(*) FILTER (WHERE status = 'approved' AND concluded_at <= due_at),
          count(*) FILTER (WHERE status = 'approved' AND concluded_at > due_at),
          count(*) FILTER (WHERE status = 'rejected' AND concluded_at <= due_at),
          count(*) FILTER (WHERE status = 'rejected' AND concluded_at > due_at),
          count(*) FILTER (WHERE status = 'withdrawn' AND concluded_at <= due_at),
          count(*) FILTER (WHERE status = 'withdrawn' AND concluded_at > due_at),
          count(*) FILTER (WHERE concluded_at < due_at - INTERVAL '1 day'),
          count(*) FILTER (WHERE {LOCAL.format(col='concluded_at')}
                                 = {LOCAL.format(col='due_at')})
        FROM applications WHERE concluded_at IS NOT NULL GROUP BY 1, 2
        ON CONFLICT (center_code, day) DO UPDATE SET approved_on_time = excluded.approved_on_time,
          approved_late = excluded.approved_late, rejected_on_time = excluded.rejected_on_time,
          rejected_late = excluded.rejected_late, withdrawn_on_time = excluded.withdrawn_on_time,
          withdrawn_late = excluded.withdrawn_late, early = excluded.early,
          last_day = excluded.last_day""",
    f"""INSERT INTO supervision_center_working_days (center_code, day, working_days, cases)
        SELECT center_code, {LOCAL.format(col='concluded_at')},
               (({LOCAL.format(col='concluded_at')} - {LOCAL.format(col='submitted_at')}) * 5 / 7),
               count(*)
        FROM applications WHERE concluded_at IS NOT NULL GROUP BY 1, 2, 3""",
    f"""INSERT INTO supervision_department_days (department_code, day, opened)
        SELECT department_code, {LOCAL.format(col='opened_at')}, count(*) FROM approval_tasks
        GROUP BY 1, 2""",
    f"""INSERT INTO supervision_department_days AS t (department_code, day, approved_on_time,
          approved_late, rejected_on_time, rejected_late, early, last_day, decisions,
          decision_seconds)
        SELECT department_code, {LOCAL.format(col='decided_at')},
          count(*) FILTER (WHERE status = 'approved' AND decided_at <= due_at),
          count(*) FILTER (WHERE status = 'approved' AND decided_at > due_at),
          count(*) FILTER (WHERE status = 'rejected' AND decided_at <= due_at),
          count(*) FILTER (WHERE status = 'rejected' AND decided_at > due_at),
          count(*) FILTER (WHERE decided_at < due_at - INTERVAL '1 day'),
          count(*) FILTER (WHERE {LOCAL.format(col='decided_at')} = {LOCAL.format(col='due_at')}),
          count(*), sum(extract(epoch FROM decided_at - opened_at))
        FROM approval_tasks WHERE decided_at IS NOT NULL GROUP BY 1, 2
        ON CONFLICT (department_code, day) DO UPDATE SET
          approved_on_time = excluded.approved_on_time, approved_late = excluded.approved_late,
          rejected_on_time = excluded.rejected_on_time, rejected_late = excluded.rejected_late,
          early = excluded.early, last_day = excluded.last_day, decisions = excluded.decisions,
          decision_seconds = excluded.decision_seconds""",
    f"""INSERT INTO supervision_department_working_days (department_code, day, working_days,
          cases)
        SELECT department_code, {LOCAL.format(col='decided_at')},
               (({LOCAL.format(col='decided_at')} - {LOCAL.format(col='opened_at')}) * 5 / 7),
               count(*)
        FROM approval_tasks WHERE decided_at IS NOT NULL GROUP BY 1, 2, 3""",
    f"""INSERT INTO supervision_decision_durations (department_code, day, le, decisions)
        SELECT department_code, {LOCAL.format(col='decided_at')},
          CASE {" ".join(
              f"WHEN extract(epoch FROM decided_at - opened_at) <= {b} THEN '{float(b)!r}'"
              for b in (3600, 14400, 28800, 86400, 172800, 259200, 432000, 604800, 864000,
                        1296000, 1728000))} ELSE '+Inf' END,
          count(*)
        FROM approval_tasks WHERE decided_at IS NOT NULL GROUP BY 1, 2, 3""",
]


def scratch_database() -> str:
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{NAME}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{NAME}"'))
    engine.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{NAME}"


def prepare(app: Any) -> str:
    """Schema, centers, departments, an item and a supervisor's bearer token."""
    import secrets

    from hub.catalog.models import ServiceItem
    from hub.directory.auth import token_digest
    from hub.directory.models import ApiToken, Department, User

    database = db.get_database(app)
    migrate.upgrade(database.engine)
    now = NOW.astimezone(dt.timezone.utc)
    token = secrets.token_urlsafe(24)
    with app.app_context(), database.session_scope() as session:
        load_centers(session, ROOT / "adapters" / "centers.toml", Principal.system("bench"))
        session.add_all(Department(code=code, name=f"{code} 局", created_at=now, updated_at=now)
                        for code in DEPARTMENTS)
        session.add(ServiceItem(
            code="open-restaurant", name="开办餐饮店", promised_days=10, form=[],
            stages=[{"mode": "all", "tasks": [{"department": "market", "days": 5}]}],
            yellow_days=1, version=1, created_at=now, updated_at=now))
        user = User(username="bench-supervisor", display_name="监察员", center_code="district",
                    roles=["supervisor"], status="active", source="hub", created_at=now,
                    updated_at=now)
        session.add(user)
        session.flush()
        session.add(ApiToken(token_hash=token_digest(token), user_id=user.id,
                             generation=user.token_generation, issued_at=now,
                             expires_at=now + dt.timedelta(days=1)))
        session.commit()
    return f"Bearer {token}"


def grow(app: Any, first: int, last: int) -> dict[str, float]:
    """Add applications first+1 … last (and their tasks), recount the rollups, analyse."""
    engine = db.get_database(app).engine
    with engine.connect() as conn:
        centers = [c for (c,) in conn.execute(sa.text("SELECT code FROM centers ORDER BY code"))]
    quoted = lambda values: ", ".join(f"'{v}'" for v in values)  # noqa: E731 - fixed codes
    timings = {}
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text(NO_TIMEOUT))
        conn.execute(sa.text(INSERT_APPLICATIONS.format(centers=quoted(centers))),
                     {"first": first, "last": last})
        conn.execute(sa.text(INSERT_TASKS.format(departments=quoted(DEPARTMENTS))),
                     {"first": first})
    timings["load_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text(NO_TIMEOUT))
        for statement in RECOUNT:
            conn.execute(sa.text(statement))
    timings["rollup_recount_seconds"] = round(time.perf_counter() - started, 1)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("SET statement_timeout = 0"))
        conn.execute(sa.text("VACUUM ANALYZE"))
        conn.execute(sa.text("RESET statement_timeout"))
    return timings


def sizes_of(app: Any) -> dict[str, int]:
    with db.get_database(app).engine.connect() as conn:
        return {table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("applications", "approval_tasks", "supervision_center_days",
                              "supervision_center_working_days",
                              "supervision_decision_durations")} | {
            "open_applications": conn.execute(sa.text(
                "SELECT count(*) FROM applications WHERE status IN "
                "('in_review', 'supplement_requested')")).scalar_one()}


def measure(client: Any, token: str, runs: int) -> dict[str, dict[str, float]]:
    results = {}
    for name, path in ENDPOINTS.items():
        headers = {} if name == "metrics" else {"Authorization": token}
        response = client.get(path, headers=headers)  # warm: plans, connections, caches
        assert response.status_code == 200, (path, response.status_code, response.data[:300])
        if name == "report_year":
            assert response.get_json()["ok"], "the report's checks failed"
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        timings.sort()
        results[name] = {"median_ms": round(statistics.median(timings), 1),
                         "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
                         "min_ms": round(timings[0], 1), "runs": runs,
                         "bytes": len(response.data)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from hub.app import create_app

    url = scratch_database()
    app = create_app({"env": "test", "database_url": url, "secret_key": "bench",
                      "pii_key": "bench", "log_level": "WARNING", "metrics_cache_seconds": 0,
                      "instance_path": str(ROOT / "instance" / "bench"),
                      "centers_config": str(ROOT / "adapters" / "centers.toml")})
    clock = FrozenClock(NOW)
    app.extensions["hub.clock"] = clock
    token = prepare(app)
    steps, loaded = [], 0
    for size in sizes:
        growth = grow(app, loaded, size)
        loaded = size
        client = app.test_client()  # each request gets its own context, as on a server
        steps.append({"applications": size, **growth, "rows": sizes_of(app),
                      "endpoints": measure(client, token, args.runs)})
    with db.get_database(app).engine.connect() as conn:
        postgres = conn.execute(sa.text("SHOW server_version")).scalar_one()
    db.get_database(app).dispose()
    if not args.keep:
        engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{NAME}"'))
        engine.dispose()
    result = {
        "benchmark": "supervision",
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "postgresql": postgres},
        "method": "Flask test client on a PostgreSQL-backed app, metrics cache off; "
                  "median and 95th percentile of --runs requests after one warm-up",
        "steps": steps,
    }
    # The baseline is the smallest size of the same run: how much each figure grew.
    first, last = steps[0]["endpoints"], steps[-1]["endpoints"]
    result["growth_largest_over_smallest"] = {
        name: round(last[name]["median_ms"] / first[name]["median_ms"], 2) for name in last}
    result["targets_met"] = {
        "metrics_under_100ms_at_largest": last["metrics"]["median_ms"] < 100,
        "centers_year_under_500ms_at_largest": last["centers_year"]["median_ms"] < 500}
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    out = ROOT / "bench" / "results" / "supervision.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
