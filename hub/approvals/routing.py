"""The parallel-approval engine (并联审批): pure functions on plain data, no I/O.

A case moves through its item's stages in order. Every task of the open stage is
open at once, one per department. ``all`` (会签) passes when every task is approved;
``any`` (或签) passes on the first approval and cancels the others. A rejection
concludes the case and cancels what is open. A supplement request (补正) stops the
case's clock and the clocks of its open tasks until the clerk resubmits: the due
dates then move later by the working days the clock stood still. The last stage's
pass approves the case, which issues its one result (一个章).

Tasks are keyed by ``(stage, department)`` (a department appears at most once per
stage), so the services map them to rows without ids in here.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hub.approvals.calendar import WorkingCalendar, deadline, local_date
from hub.domain_errors import StateConflict

# Application statuses
IN_REVIEW, SUPPLEMENT_REQUESTED = "in_review", "supplement_requested"
APPROVED, REJECTED, WITHDRAWN = "approved", "rejected", "withdrawn"
OPEN_STATUSES = (IN_REVIEW, SUPPLEMENT_REQUESTED)
# Task statuses (approved, rejected and supplement_requested as above)
PENDING, CANCELLED = "pending", "cancelled"
OPEN_TASK_STATUSES = (PENDING, SUPPLEMENT_REQUESTED)

DECISIONS = {"approve": APPROVED, "reject": REJECTED, "request_supplement": SUPPLEMENT_REQUESTED}
ALL, ANY = "all", "any"

TaskKey = tuple[int, str]


class RoutingError(StateConflict):
    """The case or task is not in a state that allows this step."""


@dataclasses.dataclass(frozen=True)
class StageTask:
    department: str
    days: int


@dataclasses.dataclass(frozen=True)
class Stage:
    mode: str
    tasks: tuple[StageTask, ...]


def stages_from(definition: Iterable[Mapping[str, Any]]) -> tuple[Stage, ...]:
    """A service item's ``stages`` JSON as plain data."""
    return tuple(Stage(mode=s["mode"], tasks=tuple(StageTask(t["department"], int(t["days"]))
                                                   for t in s["tasks"]))
                 for s in definition)


@dataclasses.dataclass(frozen=True)
class Deadline:
    due_at: dt.datetime
    yellow_at: dt.datetime  # from here on, ``yellow_days`` working days or fewer are left
    provisional: bool


def make_deadline(cal: WorkingCalendar, start: dt.datetime, days: int,
                  yellow_days: int) -> Deadline:
    """Due at the end of the ``days``-th working day after ``start``'s day; yellow from
    the start of the day after the (``days`` − ``yellow_days``)-th one (at once when
    the limit is that short)."""
    due_at, provisional = deadline(cal, start, days)
    if days - yellow_days > 0:
        end, _ = deadline(cal, start, days - yellow_days)
        yellow_at = end + dt.timedelta(seconds=1)
    else:
        yellow_at = start
    return Deadline(due_at=due_at, yellow_at=min(yellow_at, due_at), provisional=provisional)


@dataclasses.dataclass(frozen=True)
class Task:
    stage: int
    department: str
    days: int
    status: str
    opened_at: dt.datetime
    deadline: Deadline
    paused_working_days: int = 0  # supplement time that does not count against it

    @property
    def key(self) -> TaskKey:
        return (self.stage, self.department)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATUSES


@dataclasses.dataclass(frozen=True)
class Case:
    stages: tuple[Stage, ...]
    status: str
    stage: int  # 1-based, the stage now open (the last one once concluded)
    submitted_at: dt.datetime
    promised_days: int
    yellow_days: int
    deadline: Deadline
    tasks: tuple[Task, ...]
    paused_at: dt.datetime | None = None
    paused_working_days: int = 0
    concluded_at: dt.datetime | None = None
    result_issued: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def task(self, key: TaskKey) -> Task:
        for task in self.tasks:
            if task.key == key:
                return task
        raise RoutingError(f"办件没有第 {key[0]} 阶段 {key[1]} 部门的审批任务")

    def stage_tasks(self, stage: int) -> list[Task]:
        return [t for t in self.tasks if t.stage == stage]


@dataclasses.dataclass(frozen=True)
class Transition:
    """What one step changed: the case after it, the tasks it opened, and the tasks
    whose status or due date changed (services write exactly these)."""

    before: Case | None
    after: Case
    opened: tuple[TaskKey, ...] = ()
    changed: tuple[TaskKey, ...] = ()

    @property
    def result_issued(self) -> bool:
        return self.after.result_issued and not (self.before and self.before.result_issued)

    @property
    def status_changed(self) -> bool:
        return self.before is None or self.before.status != self.after.status


# -- Steps ------------------------------------------------------------------------------------


def _open_stage(stages: Sequence[Stage], number: int, now: dt.datetime, cal: WorkingCalendar,
                yellow_days: int) -> list[Task]:
    return [Task(stage=number, department=t.department, days=t.days, status=PENDING,
                 opened_at=now, deadline=make_deadline(cal, now, t.days, yellow_days))
            for t in stages[number - 1].tasks]


def submit(stages: Sequence[Stage], *, submitted_at: dt.datetime, promised_days: int,
           yellow_days: int, cal: WorkingCalendar) -> Transition:
    """A new case: in review, its first stage's tasks all open at once."""
    if not stages:
        raise RoutingError("事项没有审批阶段，无法受理")
    tasks = _open_stage(stages, 1, submitted_at, cal, yellow_days)
    case = Case(stages=tuple(stages), status=IN_REVIEW, stage=1, submitted_at=submitted_at,
                promised_days=promised_days, yellow_days=yellow_days,
                deadline=make_deadline(cal, submitted_at, promised_days, yellow_days),
                tasks=tuple(tasks))
    return Transition(before=None, after=case, opened=tuple(t.key for t in tasks))


def _replace_tasks(case: Case, updates: Mapping[TaskKey, Task], added: Sequence[Task] = ()
                   ) -> tuple[Task, ...]:
    return tuple(updates.get(t.key, t) for t in case.tasks) + tuple(added)


def _resume(case: Case, now: dt.datetime, cal: WorkingCalendar,
            updates: dict[TaskKey, Task]) -> Case:
    """End a supplement pause at ``now``: the working days in (pause day, now's day]
    are added to the case's and every open task's paused days and their due dates
    recomputed (updates collects the tasks changed)."""
    if case.paused_at is None:
        return case
    stopped = cal.working_days_between(local_date(case.paused_at), local_date(now))
    for task in case.tasks:
        current = updates.get(task.key, task)
        if current.is_open:
            paused = current.paused_working_days + stopped
            updates[task.key] = dataclasses.replace(
                current, paused_working_days=paused,
                deadline=make_deadline(cal, current.opened_at, current.days + paused,
                                       case.yellow_days))
    paused = case.paused_working_days + stopped
    return dataclasses.replace(
        case, paused_at=None, paused_working_days=paused,
        deadline=make_deadline(cal, case.submitted_at, case.promised_days + paused,
                               case.yellow_days))


def _conclude(case: Case, status: str, now: dt.datetime, cal: WorkingCalendar,
              updates: dict[TaskKey, Task]) -> Case:
    """Conclude the case: the clock stops for good (a pause still running counts as
    paused), every open task is cancelled."""
    case = _resume(case, now, cal, updates)
    for task in case.tasks:
        current = updates.get(task.key, task)
        if current.is_open:
            updates[task.key] = dataclasses.replace(current, status=CANCELLED)
    return dataclasses.replace(case, status=status, concluded_at=now,
                               result_issued=status == APPROVED)


def _stage_passed(case: Case, updates: Mapping[TaskKey, Task]) -> bool:
    stage = case.stages[case.stage - 1]
    statuses = [updates.get(t.key, t).status for t in case.stage_tasks(case.stage)]
    if stage.mode == ANY:
        return APPROVED in statuses
    return all(s == APPROVED for s in statuses)


def decide(case: Case, key: TaskKey, decision: str, *, now: dt.datetime,
           cal: WorkingCalendar) -> Transition:
    """An approver's decision on one task, and everything it sets off."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    if not case.is_open:
        raise RoutingError("办件已办结，不能再作决定")
    task = case.task(key)
    if task.status != PENDING:
        raise RoutingError("该审批任务已有决定，不能重复处理")
    if task.stage != case.stage:
        raise RoutingError("该审批任务不属于当前阶段")
    updates: dict[TaskKey, Task] = {key: dataclasses.replace(task, status=DECISIONS[decision])}
    opened: list[Task] = []
    after = case
    if decision == "reject":
        after = _conclude(case, REJECTED, now, cal, updates)
    elif decision == "request_supplement":
        if case.status == IN_REVIEW:
            after = dataclasses.replace(case, status=SUPPLEMENT_REQUESTED, paused_at=now)
    elif _stage_passed(case, updates):
        for other in case.stage_tasks(case.stage):  # 或签: the first approval settles it
            if updates.get(other.key, other).is_open:
                updates[other.key] = dataclasses.replace(other, status=CANCELLED)
        after = _resume(case, now, cal, updates)
        after = dataclasses.replace(after, status=IN_REVIEW)
        if case.stage == len(case.stages):
            after = _conclude(after, APPROVED, now, cal, updates)
        else:
            opened = _open_stage(case.stages, case.stage + 1, now, cal, case.yellow_days)
            after = dataclasses.replace(after, stage=case.stage + 1)
    after = dataclasses.replace(after, tasks=_replace_tasks(case, updates, opened))
    return Transition(before=case, after=after, opened=tuple(t.key for t in opened),
                      changed=tuple(k for k in updates if updates[k] != case.task(k)))


def withdraw(case: Case, *, now: dt.datetime, cal: WorkingCalendar) -> Transition:
    """The applicant withdraws (撤回) while the case is still open."""
    if not case.is_open:
        raise RoutingError("办件已办结，不能撤回")
    updates: dict[TaskKey, Task] = {}
    after = _conclude(case, WITHDRAWN, now, cal, updates)
    after = dataclasses.replace(after, tasks=_replace_tasks(case, updates))
    return Transition(before=case, after=after, changed=tuple(updates))


def resubmit(case: Case, *, now: dt.datetime, cal: WorkingCalendar) -> Transition:
    """The clerk hands in the supplementary material: the clock runs again, with every
    open due date moved later by the working days it stood still; the tasks that asked
    are pending again; decisions already made stand."""
    if case.status != SUPPLEMENT_REQUESTED:
        raise RoutingError("办件当前不需要补正材料")
    updates: dict[TaskKey, Task] = {}
    after = _resume(case, now, cal, updates)
    for task in case.tasks:
        current = updates.get(task.key, task)
        if current.status == SUPPLEMENT_REQUESTED:
            updates[task.key] = dataclasses.replace(current, status=PENDING)
    after = dataclasses.replace(after, status=IN_REVIEW,
                                tasks=_replace_tasks(case, updates))
    return Transition(before=case, after=after, changed=tuple(updates))


def recompute(case: Case, *, cal: WorkingCalendar) -> Transition:
    """Every open due date computed again on ``cal`` (a year's schedule was published):
    the same working days, counted on the new calendar. A concluded case keeps its own."""
    if not case.is_open:
        return Transition(before=case, after=case)
    updates: dict[TaskKey, Task] = {}
    for task in case.tasks:
        if task.is_open:
            fresh = make_deadline(cal, task.opened_at, task.days + task.paused_working_days,
                                  case.yellow_days)
            if fresh != task.deadline:
                updates[task.key] = dataclasses.replace(task, deadline=fresh)
    fresh = make_deadline(cal, case.submitted_at, case.promised_days + case.paused_working_days,
                          case.yellow_days)
    after = dataclasses.replace(case, deadline=fresh, tasks=_replace_tasks(case, updates))
    return Transition(before=case, after=after, changed=tuple(updates))


__all__ = ["ALL", "ANY", "APPROVED", "CANCELLED", "Case", "DECISIONS", "Deadline", "IN_REVIEW",
           "PENDING", "REJECTED", "RoutingError", "SUPPLEMENT_REQUESTED", "Stage", "StageTask",
           "Task", "Transition", "WITHDRAWN", "decide", "make_deadline", "recompute",
           "resubmit", "stages_from", "submit", "withdraw"]
