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

from hub import bootstrap, db
from hub.approvals.calendar_services import load_calendar
from hub.clock import FrozenClock
from hub.demo import (
    DEFAULT_CASES,
    DEFAULT_SEED,
    DEFAULT_TICKETS,
    DEFAULT_WEEK,
    call_driver,
    disclosure,
    hall,
    public,
    sample_systems,
    story,
)
from hub.demo.calls import CallPlan, plan_calls
from hub.demo.driver import DemoError, Replay, Staff, load_staff, replay_week
from hub.demo.hall import HallWeek
from hub.demo.intruder import Incident, guess_passwords
from hub.demo.public import PublicWeek
from hub.demo.plan import ItemRouting, WeekPlan, plan_week, working_days_of_week
from hub.permissions import Principal
from hub.timezones import SHANGHAI

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
    tickets: int = DEFAULT_TICKETS  # calls and messages at the call center
    week: dt.date = DEFAULT_WEEK  # any day of the week to simulate


@dataclasses.dataclass
class Prepared:
    app: Flask
    clock: FrozenClock
    systems: sample_systems.SampleSystems
    plan: WeekPlan
    replay: Replay
    incident: Incident
    figures: list[dict[str, Any]]  # per center, as GET /api/v1/supervision/centers
    runs: dict[str, int]  # sync runs by status
    told: story.Told  # the week's notices, departures and nights
    seconds: float
    disclosure: dict[str, Any]  # the finished year's report, as GET /api/v1/disclosure/report
    public: PublicWeek  # the public site's week: windows, appointments, pre-reviews
    hall: HallWeek  # the week's end in the hall: claimed tasks, the pool, drafts

    def close(self) -> None:
        self.systems.stop()
        db.get_database(self.app).dispose()


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


def _nightly_sync(app: Flask, progress: Progress) -> None:
    """Every center with an adapter, as beat's nightly fan-out hands them to the workers
    (here in-process): the ``sync.center`` task, one center after the other."""
    from hub.sync import services as sync_services
    from hub.sync.tasks import sync_center

    database = db.get_database(app)
    with database.session_scope() as session:
        codes = [c.code for c in sync_services.centers_with_adapters(session)[0]]
    progress.stage("夜间同步（各中心自有系统 → 数据中心）", len(codes))
    for code in codes:
        sync_center.apply(kwargs={"center": code, "trigger": "schedule"})
        progress.advance()


def _runs(app: Flask) -> dict[str, int]:
    """The week's sync runs by status."""
    from hub.sync.models import SyncRun

    with db.get_database(app).session_scope() as session:
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


def _disclosure_year(app: Flask, clock: FrozenClock, options: Options,
                     progress: Progress) -> None:
    """A finished year of requests for government information and the current one up to
    the week, through the services (each step on its own day), and the administrator's
    figures of the finished year."""
    from hub.approvals.calendar_services import load_calendar
    from hub.directory.auth import principal_for
    from hub.directory.models import User
    from hub.disclosure.annual import keep_year
    from hub.disclosure.schemas import DisclosureYearFiguresSchema

    database = db.get_database(app)
    monday = _monday(options.week)
    with database.session_scope() as session:
        cal = load_calendar(session)
        staff = {u.username: principal_for(u) for u in session.scalars(
            select(User).where(User.username.in_(("disclosure-clerk", "disclosure-chief"))))}
    steps = disclosure.plan_requests(seed=options.seed, cal=cal, today=monday)
    progress.stage("政府信息公开：上一年度及本年度的依申请公开", len(steps) + 1)
    disclosure.replay_requests(database, clock, steps, staff["disclosure-clerk"],
                               staff["disclosure-chief"], progress=lambda _s: progress.advance())
    with database.session_scope() as session:
        keep_year(session, ACTOR, monday.year - 1,
                  DisclosureYearFiguresSchema().load(disclosure.YEAR_FIGURES))
    progress.advance()


def _disclosure_report(app: Flask, year: int) -> dict[str, Any]:
    from hub.disclosure.annual import build_report
    from hub.disclosure.schemas import DisclosureReportSchema

    with db.get_database(app).session_scope() as session:
        return DisclosureReportSchema().dump(build_report(session, ACTOR, year))


def _anchor_audit_chains(app: Flask, clock: FrozenClock) -> None:
    """As beat does every few minutes: the week's chain heads, signed, in the demo's
    anchor folder (``hub audit verify --anchors`` checks the demo database against them)."""
    from hub.audit.anchors import write_anchor
    from hub.audit.services import keys

    with db.get_database(app).session_scope() as session:
        write_anchor(session, app.config["HUB_SETTINGS"].audit_anchor_dir, keys(), clock.now())


def _calls(app: Flask, options: Options, week: WeekPlan) -> CallPlan:
    """The call center's week beside the hall's: the same days, centers and seed."""
    from hub.approvals.calendar_services import load_calendar
    from hub.catalog.models import ServiceItem
    from hub.directory.models import Center, Department

    with db.get_database(app).session_scope() as session:
        calendar = load_calendar(session)
        centers = session.scalars(select(Center).order_by(Center.position, Center.code)).all()
        departments = session.scalars(select(Department.code).order_by(Department.code)).all()
        items = [ItemRouting.of(i.code, i.stages, i.form or []) for i in
                 session.scalars(select(ServiceItem).order_by(ServiceItem.code))]
    days = working_days_of_week(_monday(options.week), calendar.is_working_day)
    district = next((c.code for c in centers if c.level == "district"), "")
    return plan_calls(seed=options.seed, week=week, days=days,
                      centers=[c.code for c in centers], district=district,
                      departments=list(departments), items=items, tickets=options.tickets)
def _public_week(app: Flask, clock: FrozenClock, plan: WeekPlan, staff: Staff,
                 seed: int) -> PublicWeek:
    """The public site's week over the same days: appointments on its last three, pre-reviews
    through it, bookings for the two working days after it."""
    with db.get_database(app).session_scope() as session:
        calendar = load_calendar(session)
    days = sorted({event.at.astimezone(SHANGHAI).date() for event in plan.events})
    after, next_days = days[-1], []
    while len(next_days) < 2:
        after += dt.timedelta(days=1)
        if calendar.is_working_day(after):
            next_days.append(after)
    return public.simulate(db.get_database(app), clock, days, next_days, staff, seed=seed)


def _figures(app: Flask, now: dt.datetime) -> list[dict[str, Any]]:
    from hub.supervision.services import center_figures

    with db.get_database(app).session_scope() as session:
        return center_figures(session, now)


def prepare(options: Options, progress: Progress | None = None) -> Prepared:
    """Everything ``hub demo`` does before it serves; the sample systems keep running
    (``Prepared.close`` stops them)."""
    from hub.directory.services import read_centers_file
    from hub.seed import seed_demo

    progress = progress or Progress()
    started = time.perf_counter()
    folder = claim_folder(options.instance)
    centers = read_centers_file(bootstrap.default_centers_file())
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
            bootstrap.initialise(db.get_database(app), bootstrap.default_centers_file(), ACTOR)
            progress.advance()
            with db.get_database(app).session_scope() as session:
                seed_demo(session, ACTOR)
            progress.advance()
            _disclosure_year(app, clock, options, progress)
            clock.set(night)
            _nightly_sync(app, progress)
            with db.get_database(app).session_scope() as session:
                staff = load_staff(session)  # the synced staff too: they may own tickets
            plan = _plan(app, options)
            # --tickets 0: the hall's week alone, without the call center's.
            calls = _calls(app, options, plan) if options.tickets else CallPlan((), 0)
            progress.stage(f"模拟一周：{plan.cases} 件办件在 16 个中心，{calls.tickets} 件工单",
                           len(plan.events) + len(calls.events))
            told = story.Told()
            days = sorted({e.at.astimezone(SHANGHAI).date() for e in plan.events})
            replay = replay_week(db.get_database(app), clock, plan, staff,
                                 progress=lambda _event: progress.advance(),
                                 more=calls.events, more_steps=call_driver.STEPS,
                                 interludes=story.interludes(app, systems, days, plan.end,
                                                             told))
            progress.stage("公众服务：窗口、网上预约、网上预审", 1)
            public_week = _public_week(app, clock, plan, staff, options.seed)
            progress.advance()
            progress.stage("大厅：领取待办、事项草稿", 1)
            hall_week = hall.finish(db.get_database(app))
            progress.advance()
            incident = guess_passwords(db.get_database(app), clock, app.config["HUB_SETTINGS"])
            _anchor_audit_chains(app, clock)
            figures = _figures(app, clock.now())
            runs = _runs(app)
            report = _disclosure_report(app, _monday(options.week).year - 1)
    except BaseException:
        systems.stop()
        raise
    return Prepared(app=app, clock=clock, systems=systems, plan=plan, replay=replay,
                    incident=incident, figures=figures, runs=runs, told=told,
                    seconds=time.perf_counter() - started, disclosure=report,
                    public=public_week, hall=hall_week)


__all__ = ["Options", "Prepared", "Progress", "claim_folder",
           "default_instance", "demo_app", "prepare"]
