"""Replay a planned week through the real services: each event at its own time on the
frozen clock, by the member of staff it names, in a session of its own (one unit of
work each, as a request would be). Inputs go through the API's schemas first."""
from __future__ import annotations

import dataclasses
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.approvals import deadlines, services
from hub.approvals.schemas import (
    DecisionSchema,
    ResubmissionSchema,
    SubmissionSchema,
    WithdrawalSchema,
)
from hub.clock import FrozenClock
from hub.db import Database
from hub.demo.plan import Decide, Event, Resubmit, Scan, Submit, WeekPlan, Withdraw
from hub.directory.auth import principal_for
from hub.directory.models import HUB_SOURCE, User
from hub.errors import HubError
from hub.permissions import Principal


class DemoError(RuntimeError):
    """The demo cannot go on; the message says why."""


@dataclasses.dataclass(frozen=True)
class Staff:
    """Who works the demo's week: a clerk per center, the staff of each department."""

    clerks: Mapping[str, Principal]
    departments: Mapping[str, tuple[Principal, ...]]


def load_staff(session: Session) -> Staff:
    """The hub's own active accounts (synced staff stay at their centers' systems)."""
    clerks: dict[str, Principal] = {}
    departments: dict[str, list[Principal]] = defaultdict(list)
    for user in session.scalars(select(User).where(User.source == HUB_SOURCE,
                                                   User.status == "active")
                                .order_by(User.username)):
        if "clerk" in user.roles:
            clerks.setdefault(user.center_code, principal_for(user))
        if user.department_code and {"approver", "chief"} & set(user.roles):
            departments[user.department_code].append(principal_for(user))
    return Staff(clerks, {d: tuple(p) for d, p in departments.items()})


@dataclasses.dataclass
class Replay:
    """What the week did: the application of each planned case, events by kind, cards."""

    applications: dict[int, uuid.UUID] = dataclasses.field(default_factory=dict)
    centers: dict[int, str] = dataclasses.field(default_factory=dict)
    done: Counter[str] = dataclasses.field(default_factory=Counter)
    cards: Counter[str] = dataclasses.field(default_factory=Counter)


def _clerk(staff: Staff, center: str) -> Principal:
    try:
        return staff.clerks[center]
    except KeyError:
        raise DemoError(f"中心 {center} 没有窗口受理员账号（请先 hub seed --demo）") from None


def _submit(session: Session, event: Submit, staff: Staff, replay: Replay) -> str:
    body = SubmissionSchema().load({"service_item": event.item, "center": event.center,
                                    "applicant": dict(event.applicant),
                                    "form": dict(event.form)})
    application, _ = services.submit_application(session, _clerk(staff, event.center), body,
                                                 idempotency_key=f"demo-{event.case}")
    replay.applications[event.case] = application.id
    replay.centers[event.case] = event.center
    return "submitted"


def _decide(session: Session, event: Decide, staff: Staff, replay: Replay) -> str:
    application = services.load_application(session, replay.applications[event.case])
    task = next((t for t in application.tasks if t.stage == event.stage
                 and t.department_code == event.department and t.status == "pending"), None)
    if task is None:
        raise DemoError(f"办件 {application.number} 第 {event.stage} 阶段没有 "
                        f"{event.department} 的待办任务")
    people = staff.departments.get(event.department)
    if not people:
        raise DemoError(f"部门 {event.department} 没有审批人员账号")
    values = DecisionSchema().load({"decision": event.decision, "comment": event.comment,
                                    "version": task.version})
    services.decide_task(session, people[event.by % len(people)], task.id,
                         values["decision"], values["comment"], values["version"])
    return event.decision


def _resubmit(session: Session, event: Resubmit, staff: Staff, replay: Replay) -> str:
    values = ResubmissionSchema().load({"form": dict(event.form)})
    services.resubmit_application(session, _clerk(staff, replay.centers[event.case]),
                                  replay.applications[event.case], values["form"])
    return "resubmitted"


def _withdraw(session: Session, event: Withdraw, staff: Staff, replay: Replay) -> str:
    values = WithdrawalSchema().load({"reason": event.reason})
    services.withdraw_application(session, _clerk(staff, replay.centers[event.case]),
                                  replay.applications[event.case], values["reason"])
    return "withdrawn"


def _scan(session: Session, event: Scan, staff: Staff, replay: Replay) -> str:
    report = deadlines.scan_warnings(session)
    replay.cards.update(yellow=report.yellow, red=report.red)
    return "scanned"


_STEPS: dict[type, Callable[[Session, Any, Staff, Replay], str]] = {
    Submit: _submit, Decide: _decide, Resubmit: _resubmit, Withdraw: _withdraw, Scan: _scan}


def replay_week(database: Database, clock: FrozenClock, plan: WeekPlan, staff: Staff, *,
                progress: Callable[[Event], None] | None = None) -> Replay:
    """Carry out every event of ``plan`` (inside the app's context). A refusal by a
    service means the plan and the hub disagree: it stops the demo, saying which event."""
    replay = Replay()
    for event in plan.events:
        clock.set(event.at)
        with database.session_scope() as session:
            try:
                replay.done[_STEPS[type(event)](session, event, staff, replay)] += 1
            except HubError as exc:
                raise DemoError(f"{event!r} 被拒绝：{exc.detail} {exc.errors or ''}") from exc
            except ma.ValidationError as exc:
                raise DemoError(f"{event!r} 数据无效：{exc.messages}") from exc
        if progress is not None:
            progress(event)
    clock.set(plan.end)
    return replay


__all__ = ["DemoError", "Replay", "Staff", "load_staff", "replay_week"]
