"""Benchmark: how long the busiest pages take to render over a district's worth of cases.

Builds a throwaway PostgreSQL database (or ``--database-url``), seeds the demo
departments, items and staff, accepts ``--cases`` cases spread over 30 days across the
sixteen centers through the routing services, decides about two thirds of the steps,
then signs in through the login form and times each page ``--repeat`` times with the
Flask test client (the whole request: session, permission, queries, template).
Prints one JSON object. Run: ``.venv/bin/python bench/pages.py``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from hub import db, migrate
from hub.approvals import services
from hub.approvals.forms import with_check_character, with_credit_check
from hub.approvals.models import ApprovalTask
from hub.clock import FrozenClock
from hub.directory.services import load_centers
from hub.permissions import Principal
from hub.seed import DEMO_PASSWORD, seed_demo
from hub.timezones import SHANGHAI

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NAME = "hub_bench_pages"


def scratch_database() -> str:
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{NAME}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{NAME}"'))
    engine.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{NAME}"


def populate(app, clock: FrozenClock, cases: int) -> dict[str, int]:
    rng = random.Random(2026)
    database = db.get_database(app)
    migrate.upgrade(database.engine)
    with app.app_context(), database.session_scope() as session:
        load_centers(session, ROOT / "adapters" / "centers.toml", Principal.system("bench"))
        seed_demo(session, Principal.system("bench"))
        centers = [c for (c,) in session.execute(sa.text("SELECT code FROM centers"))]
        step = dt.timedelta(days=30) / cases
        decided = 0
        for n in range(cases):
            clock.advance(step)
            center = rng.choice(centers)
            clerk = Principal(username=f"clerk-{center}", roles=frozenset({"clerk"}),
                              center=center)
            body = {"service_item": "business-license-change", "center": center,
                    "applicant": {"name": f"申请人{n}", "phone": "13812345678",
                                  "id_number": with_check_character(f"21010319850612{n % 1000:03d}")},
                    "form": {"company": f"沈阳某某商贸有限公司{n}",
                             "credit_code": with_credit_check(f"91210103MA{n:07d}"),
                             "change": "住所"}}
            application = services.submit_application(session, clerk, body).application
            for task in list(application.tasks):
                if task.status == "pending" and rng.random() < 0.66:
                    approver = Principal(username=f"{task.department_code}-approver1",
                                         roles=frozenset({"approver"}),
                                         department=task.department_code)
                    services.decide_task(session, approver, task.id, "approve", None,
                                         task.version)
                    decided += 1
        pending = session.scalar(sa.select(sa.func.count()).select_from(ApprovalTask)
                                 .where(ApprovalTask.status == "pending"))
    return {"cases": cases, "decisions": decided, "pending_tasks": int(pending or 0)}


def signed_in(app, username: str):
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def timed(client, path: str, repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 1),
            "bytes": len(response.data)}


def main() -> None:
    from hub.app import create_app

    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or scratch_database()
    clock = FrozenClock(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    instance = Path(tempfile.mkdtemp())
    app = create_app({"env": "test", "database_url": url, "instance_path": str(instance),
                      "secret_key": "bench", "pii_key": "bench", "log_level": "WARNING",
                      "token_ttl_seconds": 10 * 365 * 86400})
    app.extensions["hub.clock"] = clock
    started = time.perf_counter()
    data = populate(app, clock, args.cases)
    data["populate_seconds"] = round(time.perf_counter() - started, 1)
    pages = {}
    official, clerk, approver = (signed_in(app, u) for u in
                                 ("supervisor", "clerk-binhe", "market-approver1"))
    for name, client, path in (
            ("dashboard", official, "/dashboard"),
            ("center", official, "/dashboard/centers/binhe"),
            ("warnings", official, "/warnings"),
            ("queue (market, 100 most urgent)", approver, "/queue"),
            ("center cases (clerk)", clerk, "/cases"),
            ("search by name (clerk)", clerk, "/cases?q=%E7%94%B3%E8%AF%B7%E4%BA%BA12")):
        pages[name] = timed(client, path, args.repeat)
    print(json.dumps({"benchmark": "pages", "database": "postgresql", **data,
                      "repeat": args.repeat, "pages": pages}, ensure_ascii=False, indent=2))
    db.get_database(app).dispose()


if __name__ == "__main__":
    main()
