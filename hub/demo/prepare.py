"""Prepare the demo, step by step: its own instance folder and a fresh database, the
centers, catalog and staff, the sample center systems and a nightly sync of every
center, then the planned week replayed through the services.

The demo never touches a database of yours: it works in a folder of its own, marked
as the demo's (``.hub-demo``), and rebuilds the database there on every run; a folder
that holds anything else is refused.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from hub import db
from hub.clock import SHANGHAI, Clock, FrozenClock
from hub.demo import DEFAULT_CASES, DEFAULT_SEED, DEFAULT_WEEK, sample_systems
from hub.demo.driver import DemoError, Replay, load_staff, replay_week
from hub.demo.plan import ItemRouting, WeekPlan, plan_week, working_days_of_week
from hub.permissions import Principal

MARKER = ".hub-demo"
DATABASE = "hub.sqlite3"
ACTOR = Principal.system("cli:demo")


class Progress:
    """Where the preparation reports its steps (the CLI draws progress bars); this one
    says nothing."""

    def stage(self, label: str, total: int) -> None:
        """A new step of ``total`` units begins."""

    def advance(self, units: int = 1) -> None:
        """``units`` more of the current step are done."""


@dataclasses.dataclass(frozen=True)
class Options:
    instance: Path
    seed: int = DEFAULT_SEED
    cases: int = DEFAULT_CASES
    week: dt.date = DEFAULT_WEEK  # any day of the week to simulate


@dataclasses.dataclass
class Prepared:
    app: Flask
    clock: FrozenClock
    systems: sample_systems.SampleSystems
    plan: WeekPlan
    replay: Replay
    figures: list[dict[str, Any]]  # per center, as GET /api/v1/supervision/centers
    runs: dict[str, int]  # sync runs by status
    seconds: float

    def close(self) -> None:
        self.systems.stop()
        db.get_database(self.app).dispose()


class RunningClock(Clock):
    """The demo's clock once it serves: it starts where the simulated week ended and runs
    on in real time, so what staff do in the pages comes after the week."""

    def __init__(self, start: dt.datetime) -> None:
        self._start, self._started = start, time.monotonic()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._started)


def default_instance() -> Path:
    return Path(os.environ.get("HUB_INSTANCE_PATH") or "instance") / "demo"


def claim_folder(path: Path) -> Path:
    """The demo's folder, created and marked; a folder holding anything that is not the
    demo's is refused, so the demo can never overwrite a real database."""
    path = path.resolve()
    if path.exists() and any(path.iterdir()) and not (path / MARKER).exists():
        raise DemoError(f"{path} 不是演示目录（其中没有 {MARKER} 标记），为免覆盖其中的数据，"
                        "演示不使用它。请用 --instance 指定一个新目录。")
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text("Rebuilt by every run of `hub demo`: do not keep data here.\n")
    return path


def drop_database(folder: Path) -> None:
    for name in (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm"):
        (folder / name).unlink(missing_ok=True)


def demo_app(folder: Path) -> Flask:
    """The hub on the embedded default in ``folder``: SQLite, Celery in-process,
    development secrets kept in the folder, the shipped centers file (whatever
    ``HUB_DATABASE_URL``, ``HUB_BROKER_URL`` or ``HUB_CENTERS_CONFIG`` say)."""
    from hub.app import create_app

    return create_app({
        "env": "development", "instance_path": str(folder),
        "database_url": f"sqlite:///{folder / DATABASE}", "broker_url": "",
        "centers_config": "", "secret_key": "", "pii_key": "", "audit_anchor_dir": "",
        "log_level": os.environ.get("HUB_LOG_LEVEL", "WARNING")})


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _nightly_sync(app: Flask, progress: Progress) -> dict[str, int]:
    """Every center with an adapter, as beat's nightly fan-out hands them to the workers
    (here in-process): the ``sync.center`` task, one center after the other."""
    from hub.sync import services as sync_services
    from hub.sync.models import SyncRun
    from hub.sync.tasks import sync_center

    database = db.get_database(app)
    with database.session_scope() as session:
        codes = [c.code for c in sync_services.centers_with_adapters(session)[0]]
    progress.stage("夜间同步（各中心自有系统 → 数据中心）", len(codes))
    for code in codes:
        sync_center.apply(kwargs={"center": code, "trigger": "schedule"})
        progress.advance()
    with database.session_scope() as session:
        statuses = session.scalars(select(SyncRun.status)).all()
    return {status: statuses.count(status) for status in sorted(set(statuses))}


def _plan(app: Flask, options: Options) -> WeekPlan:
    from hub.approvals.calendar_services import load_calendar
    from hub.catalog.models import ServiceItem
    from hub.directory.models import Center

    with db.get_database(app).session_scope() as session:
        calendar = load_calendar(session)
        centers = session.scalars(select(Center).order_by(Center.position, Center.code)).all()
        items = [ItemRouting.of(i.code, i.stages, i.form or []) for i in
                 session.scalars(select(ServiceItem).order_by(ServiceItem.code))]
    days = working_days_of_week(_monday(options.week), calendar.is_working_day)
    if not days:
        raise DemoError(f"{_monday(options.week)} 这一周没有工作日（节假日），请用 --week 换一周")
    district = next((c.code for c in centers if c.level == "district"), "")
    return plan_week(seed=options.seed, days=days, centers=[c.code for c in centers],
                     district=district, items=items, cases=options.cases)


def _figures(app: Flask, now: dt.datetime) -> list[dict[str, Any]]:
    from hub.supervision.services import center_figures

    with db.get_database(app).session_scope() as session:
        return center_figures(session, now)


def prepare(options: Options, progress: Progress | None = None) -> Prepared:
    """Everything ``hub demo`` does before it serves; the sample systems keep running
    (``Prepared.close`` stops them)."""
    from hub.cli import default_centers_file, initialise
    from hub.directory.services import read_centers_file
    from hub.seed import seed_demo

    progress = progress or Progress()
    started = time.perf_counter()
    folder = claim_folder(options.instance)
    centers = read_centers_file(default_centers_file())
    progress.stage("启动示例中心系统（127.0.0.1）", 1)
    # First, so that a port taken by another demo stops this one before it drops anything.
    systems = sample_systems.start(centers, folder / "sample")
    progress.advance()
    try:
        drop_database(folder)
        app = demo_app(folder)
        night = dt.datetime.combine(
            _monday(options.week), dt.time(app.config["HUB_SETTINGS"].sync_hour,
                                           app.config["HUB_SETTINGS"].sync_minute),
            tzinfo=SHANGHAI)
        clock = FrozenClock(night - dt.timedelta(hours=1))
        app.extensions["hub.clock"] = clock
        with app.app_context():
            progress.stage("建库：迁移、16 个中心、部门、事项、人员", 2)
            initialise(app)
            progress.advance()
            with db.get_database(app).session_scope() as session:
                seed_demo(session, ACTOR)
                staff = load_staff(session)
            progress.advance()
            clock.set(night)
            runs = _nightly_sync(app, progress)
            plan = _plan(app, options)
            progress.stage(f"模拟一周：{plan.cases} 件办件在 16 个中心", len(plan.events))
            replay = replay_week(db.get_database(app), clock, plan, staff,
                                 progress=lambda _event: progress.advance())
            figures = _figures(app, clock.now())
    except BaseException:
        systems.stop()
        raise
    return Prepared(app=app, clock=clock, systems=systems, plan=plan, replay=replay,
                    figures=figures, runs=runs, seconds=time.perf_counter() - started)


__all__ = ["Options", "Prepared", "Progress", "RunningClock", "claim_folder",
           "default_instance", "demo_app", "prepare"]
