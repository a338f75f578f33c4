"""What else happens in the demo's week besides the hall's cases, each at its own time on
the frozen clock and through the services the pages and the API call:

- every night at the sync hour, the nightly sync of every center, as beat's fan-out;
  one center's database is out of reach for the last nights (its runs fail, it misses
  those nights: the sync page and the alert say so, and its retry works once served);
- on Thursday morning the official issues a supervision notice (督办) on the most
  overdue step, and the department's chief answers it in the afternoon; on Friday
  afternoon a second one waits for its answer;
- when the week ends, the civil defence office's only approver leaves: its queue and the
  item routed to it have nobody to act on them (无人可办).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import clock, db
from hub.approvals import cards
from hub.approvals.calendar_services import load_calendar
from hub.approvals.models import ApprovalTask
from hub.demo.driver import DemoError, Interlude, Replay
from hub.demo.sample_systems import SampleSystems
from hub.directory import services as directory
from hub.directory.auth import principal_for
from hub.directory.models import User
from hub.permissions import Principal
from hub.supervision import notices, watchlist
from hub.supervision.models import SupervisionNotice
from hub.sync import services as sync_services
from hub.sync.tasks import sync_center
from hub.timezones import SHANGHAI

# The sql center whose database is unreachable for the week's last nights, and from when.
UNREACHABLE = "maguanqiao"
UNREACHABLE_FROM = 3  # Wednesday night onwards (Monday is day 1)
LEAVING = "civil-defence-approver1"  # the civil defence office's only approver
SYNC_LOG = logging.getLogger("hub.sync")


@dataclasses.dataclass
class Told:
    """What the story did, for the demo's summary."""

    nights: int = 0
    failed_runs: int = 0
    notices: list[str] = dataclasses.field(default_factory=list)
    answered: list[str] = dataclasses.field(default_factory=list)
    left: list[str] = dataclasses.field(default_factory=list)


def _person(session: Session, username: str) -> Principal:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise DemoError(f"演示账号 {username} 不存在（请先 hub seed --demo）")
    return principal_for(user)


def _nightly(app: Flask, systems: SampleSystems, told: Told, night: int
             ) -> Callable[[Replay], str]:
    def act(_replay: Replay) -> str:
        with db.get_database(app).session_scope() as session:
            syncing = sync_services.centers_with_adapters(session)[0]
        codes = [c.code for c in syncing]
        variable = next(c.adapter["url_env"] for c in syncing if c.code == UNREACHABLE)
        down = night >= UNREACHABLE_FROM
        if down:
            systems.take_down(UNREACHABLE, variable)
            # The outage is the story's: its failures go to the sync page and the summary,
            # not across the progress bars.
            SYNC_LOG.disabled = True
        try:
            for code in codes:
                sync_center.apply(kwargs={"center": code, "trigger": "schedule"})
        finally:
            systems.bring_up(UNREACHABLE, variable)
            SYNC_LOG.disabled = False
        told.nights += 1
        told.failed_runs += 2 if down else 0
        return "nightly_sync"
    return act


def _issue(app: Flask, told: Told, content: str, answer_days: int) -> Callable[[Replay], str]:
    """The official issues a notice on the most overdue step of a case of the hall that
    has none open yet (red first, then yellow)."""
    def act(_replay: Replay) -> str:
        now = clock.now()
        with db.get_database(app).session_scope() as session:
            official = _person(session, "supervisor")
            cal = load_calendar(session)
            for level in (cards.RED, cards.YELLOW):
                stmt = watchlist.steps(official, now, cal, watchlist.Filters(level=level))
                for task in session.scalars(stmt.order_by(ApprovalTask.due_at,
                                                          ApprovalTask.id).limit(20)):
                    already = session.scalar(select(SupervisionNotice.id).where(
                        SupervisionNotice.application_id == task.application_id))
                    if already is None:
                        notice = notices.issue_notice(
                            session, official, task.application_id, content=content,
                            department=task.department_code, answer_days=answer_days)
                        told.notices.append(notice.number)
                        return "notice_issued"
        return "notice_skipped"
    return act


def _answer(app: Flask, told: Told, answer: str) -> Callable[[Replay], str]:
    """The department's chief answers the first notice of the week."""
    def act(_replay: Replay) -> str:
        if not told.notices:
            return "answer_skipped"
        with db.get_database(app).session_scope() as session:
            notice = session.scalars(select(SupervisionNotice).where(
                SupervisionNotice.number == told.notices[0])).one()
            chief = _person(session, f"{notice.department_code}-chief")
            notices.answer_notice(session, chief, notice.id, answer=answer,
                                  version=notice.version)
            told.answered.append(notice.number)
        return "notice_answered"
    return act


def _leave(app: Flask, told: Told) -> Callable[[Replay], str]:
    def act(_replay: Replay) -> str:
        with db.get_database(app).session_scope() as session:
            directory.update_user(session, _person(session, "admin"), LEAVING,
                                  {"status": "left"})
        told.left.append(LEAVING)
        return "left"
    return act


def interludes(app: Flask, systems: SampleSystems, days: list[dt.date], end: dt.datetime,
               told: Told) -> list[Interlude]:
    """The story's moments in the week of ``days`` (the hall's working days)."""
    settings = app.config["HUB_SETTINGS"]
    sync_at = dt.time(settings.sync_hour, settings.sync_minute)
    moments: list[Interlude] = []
    # The night before each working day but the first (the demo synced before Monday).
    for number, day in enumerate(days[1:], start=2):
        moments.append(Interlude(dt.datetime.combine(day, sync_at, SHANGHAI),
                                 _nightly(app, systems, told, number)))
    if len(days) >= 4:
        thursday = days[3]
        moments.append(Interlude(dt.datetime.combine(thursday, dt.time(10, 0), SHANGHAI),
                                 _issue(app, told, "该审批环节已超过时限，请书面说明未办结的原因、"
                                                   "目前进展和预计办结时间。", 2)))
        moments.append(Interlude(dt.datetime.combine(thursday, dt.time(15, 30), SHANGHAI),
                                 _answer(app, told, "申请人提交的材料原件需与档案核对，已于今日"
                                                    "核毕，本部门将于明日上午作出决定。")))
    last = days[-1]
    moments.append(Interlude(dt.datetime.combine(last, dt.time(16, 0), SHANGHAI),
                             _issue(app, told, "该件已超过办结时限，请说明原因。", 1)))
    moments.append(Interlude(end, _leave(app, told)))
    return moments
