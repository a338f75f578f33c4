"""Replay a planned week through the real services: each event at its own time on the
frozen clock, by the member of staff it names, in a session of its own (one unit of
work each, as a request would be). Inputs go through the API's schemas first."""
from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
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
from hub.demo.plan import Decide, Resubmit, Scan, Submit, WeekPlan, Withdraw
from hub.directory.auth import principal_for
from hub.directory.models import HUB_SOURCE, User
from hub.domain_errors import DomainError
from hub.errors import HubError
from hub.permissions import Principal
from hub.tickets import deadlines as ticket_deadlines


class DemoError(RuntimeError):
    """The demo cannot go on; the message says why."""


@dataclasses.dataclass(frozen=True)
class Staff:
    """Who works the demo's week: a clerk and the operators (话务员) of each center, the
    staff of each department, everyone by username, a supervisor."""

    clerks: Mapping[str, Principal]
    departments: Mapping[str, tuple[Principal, ...]]
    operators: Mapping[str, tuple[Principal, ...]] = dataclasses.field(default_factory=dict)
    by_username: Mapping[str, Principal] = dataclasses.field(default_factory=dict)
    supervisor: Principal | None = None


def load_staff(session: Session) -> Staff:
    """The hub's own active accounts (synced staff stay at their centers' systems, but
    may own a ticket the hub gave them, a rectification, say: they are known by name)."""
    clerks: dict[str, Principal] = {}
    departments: dict[str, list[Principal]] = defaultdict(list)
    operators: dict[str, list[Principal]] = defaultdict(list)
    everyone: dict[str, Principal] = {}
    supervisor = None
    for user in session.scalars(select(User).where(User.status == "active")
                                .order_by(User.username)):
        person = everyone[user.username] = principal_for(user)
        if user.source != HUB_SOURCE:
            continue
        if "clerk" in user.roles:
            clerks.setdefault(user.center_code, person)
        if "operator" in user.roles:
            operators[user.center_code].append(person)
        if "supervisor" in user.roles and supervisor is None:
            supervisor = person
        if user.department_code and {"approver", "chief"} & set(user.roles):
            departments[user.department_code].append(person)
    return Staff(clerks, {d: tuple(p) for d, p in departments.items()},
                 {c: tuple(p) for c, p in operators.items()}, everyone, supervisor)


@dataclasses.dataclass
class Replay:
    """What the week did: the application of each planned case and the ticket of each
    planned call, the receipt codes the citizens hold, events by kind, cards."""

    applications: dict[int, uuid.UUID] = dataclasses.field(default_factory=dict)
    centers: dict[int, str] = dataclasses.field(default_factory=dict)
    tickets: dict[int, uuid.UUID] = dataclasses.field(default_factory=dict)
    codes: dict[tuple[str, int], str] = dataclasses.field(default_factory=dict)
    ratings: dict[tuple[str, int], int] = dataclasses.field(default_factory=dict)
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
    submitted = services.submit_application(session, _clerk(staff, event.center), body,
                                            idempotency_key=f"demo-{event.case}")
    application = submitted.application
    replay.applications[event.case] = application.id
    replay.codes[("case", event.case)] = submitted.receipt_code  # the applicant's receipt
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
    tickets = ticket_deadlines.scan_warnings(session)  # the call center's, on the same beat
    replay.cards.update(ticket_yellow=tickets.yellow, ticket_red=tickets.red)
    return "scanned"


Step = Callable[[Session, Any, Staff, Replay], str]
_STEPS: dict[type, Step] = {
    Submit: _submit, Decide: _decide, Resubmit: _resubmit, Withdraw: _withdraw, Scan: _scan}


@dataclasses.dataclass(frozen=True)
class Interlude:
    """Something else that happens during the week at its own time (a night's sync, an
    official's notice): ``act`` is called with the clock set to ``at``; what it returns
    is counted in ``Replay.done``."""

    at: dt.datetime
    act: Callable[[Replay], str]


def replay_week(database: Database, clock: FrozenClock, plan: WeekPlan, staff: Staff, *,
                progress: Callable[[Any], None] | None = None,
                more: Sequence[Any] = (), more_steps: Mapping[type, Step] | None = None,
                interludes: Sequence[Interlude] = ()) -> Replay:
    """Carry out every event of ``plan``, and the events of ``more`` (another part of the
    week, in time order, carried out by ``more_steps``) at their moments among them,
    inside the app's context; and the interludes each at its own time between them
    (those after the week's end, after it). A refusal by a service means the plan and the
    hub disagree: it stops the demo, saying which event."""
    replay = Replay()
    steps = {**_STEPS, **(more_steps or {})}
    waiting = sorted(interludes, key=lambda i: i.at)

    def interlude_until(moment: dt.datetime | None) -> None:
        while waiting and (moment is None or waiting[0].at <= moment):
            interlude = waiting.pop(0)
            clock.set(interlude.at)
            replay.done[interlude.act(replay)] += 1

    for event in heapq.merge(plan.events, more, key=lambda e: e.at):
        interlude_until(event.at)
        clock.set(event.at)
        with database.session_scope() as session:
            try:
                replay.done[steps[type(event)](session, event, staff, replay)] += 1
            except (HubError, DomainError) as exc:
                raise DemoError(f"{event!r} 被拒绝：{exc.detail} {exc.errors or ''}") from exc
            except ma.ValidationError as exc:
                raise DemoError(f"{event!r} 数据无效：{exc.messages}") from exc
        if progress is not None:
            progress(event)
    interlude_until(plan.end)
    clock.set(plan.end)
    interlude_until(None)
    return replay


__all__ = ["DemoError", "Interlude", "Replay", "Staff", "Step", "load_staff", "replay_week"]
