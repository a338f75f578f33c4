"""Who can act on a department's queue, and what is left when nobody can (无人可办).

A pending task can be decided by an active approver or chief of its department (a
chief also decides one assigned to someone else). Work goes to nobody when its
department has no such person, or when it is assigned to someone who has left the
department: its clock runs while nobody sees it. This module finds those tasks, warns
before a change that would leave them, and hands a departing person's tasks back to
their department's pool (待办池), audited on each case.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, true
from sqlalchemy.orm import Session, joinedload

from hub import audit, clock
from hub.approvals import routing
from hub.approvals.models import Application, ApprovalTask
from hub.directory.deciders import deciders, decides, staffed_departments
from hub.directory.models import User
from hub.permissions import Principal

NO_ACTIVE_APPROVER = "no_active_approver"
ASSIGNEE_INACTIVE = "assignee_inactive"
REASON_LABELS = {NO_ACTIVE_APPROVER: "部门没有在岗审批人员",
                 ASSIGNEE_INACTIVE: "指派的审批人员已离岗或调离"}


def _assignee_gone() -> ColumnElement[bool]:
    still_here = exists().where(User.username == ApprovalTask.assignee,
                                User.status == "active",
                                User.department_code == ApprovalTask.department_code)
    return ApprovalTask.assignee.is_not(None) & ~still_here


def unattended_condition(staffed: set[str]) -> ColumnElement[bool]:
    """Pending tasks nobody can act on, as SQL over ``approval_tasks`` (served by the
    partial index of pending tasks; the assignee check probes the users' unique
    username for the few assigned tasks only)."""
    nobody = ApprovalTask.department_code.not_in(sorted(staffed)) if staffed else true()
    return (ApprovalTask.status == routing.PENDING) & or_(nobody, _assignee_gone())


def unattended_counts(session: Session) -> dict[str, int]:
    """{department: pending tasks nobody can act on}."""
    rows = session.execute(
        select(ApprovalTask.department_code, func.count())
        .where(unattended_condition(staffed_departments(session)))
        .group_by(ApprovalTask.department_code))
    return {department: n for department, n in rows}


def unattended_query(session: Session, *, department: str | None = None,
                     center: str | None = None) -> Select[tuple[ApprovalTask]]:
    """The tasks nobody can act on (their cases loaded), for listing."""
    stmt = (select(ApprovalTask).join(Application, Application.id == ApprovalTask.application_id)
            .where(unattended_condition(staffed_departments(session)),
                   Application.deleted_at.is_(None))
            .options(joinedload(ApprovalTask.application)))
    if department:
        stmt = stmt.where(ApprovalTask.department_code == department)
    if center:
        stmt = stmt.where(Application.center_code == center)
    return stmt


def reason(task: ApprovalTask, staffed: set[str]) -> str:
    """Why nobody can act on ``task`` (``REASON_LABELS``)."""
    return NO_ACTIVE_APPROVER if task.department_code not in staffed else ASSIGNEE_INACTIVE


# -- Departures ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Departure:
    """What a change to an account would leave behind, said before it is made."""

    username: str
    department: str | None
    held: int  # pending tasks assigned to them, handed back to the pool
    last_decider: bool  # nobody else in the department can decide
    pending: int  # the department's pending tasks

    @property
    def warnings(self) -> list[str]:
        said = []
        if self.held:
            said.append(f"{self.username} 名下有 {self.held} 件在办审批任务，保存后将退回"
                        f"部门待办池，由部门其他审批人员或首席代表办理")
        if self.last_decider:
            said.append(f"{self.username} 是该部门（{self.department}）最后一名在岗审批人员："
                        f"保存后部门的 {self.pending} 件待办及今后的审批任务将无人可办，"
                        "请先为部门安排在岗审批人员")
        return said


def departure(session: Session, user: User, values: Mapping[str, Any]) -> Departure | None:
    """What changing ``user`` to ``values`` (status, department, roles; absent keys keep
    theirs) would leave: None when they go on deciding for the same department."""
    before = decides(user.roles or (), user.status, user.department_code)
    after = decides(values.get("roles", user.roles) or (), values.get("status", user.status),
                    values.get("department_code", user.department_code))
    same = values.get("department_code", user.department_code) == user.department_code
    if not before or (after and same):
        return None
    department = user.department_code
    held = session.scalar(select(func.count()).select_from(ApprovalTask).where(
        ApprovalTask.status == routing.PENDING, ApprovalTask.assignee == user.username)) or 0
    others = [u for u in deciders(session, department) if u.username != user.username]  # type: ignore[arg-type]
    pending = session.scalar(select(func.count()).select_from(ApprovalTask).where(
        ApprovalTask.status == routing.PENDING,
        ApprovalTask.department_code == department)) or 0
    return Departure(user.username, department, held, not others, pending)


def release_tasks(session: Session, actor: Principal, username: str, why: str) -> int:
    """Hand every pending task assigned to ``username`` back to its department's pool
    (assignee cleared, version bumped so an open decision form is stale), one audit
    record per task on its case. In the caller's transaction; returns how many."""
    tasks = session.scalars(select(ApprovalTask).where(
        ApprovalTask.status == routing.PENDING, ApprovalTask.assignee == username)
        .options(joinedload(ApprovalTask.application)).with_for_update(of=ApprovalTask)).all()
    now = clock.now()
    for task in tasks:
        task.assignee, task.version, task.updated_at = None, task.version + 1, now
        audit.record(session, actor, "task.released", target_type="application",
                     target_id=task.application_id, center=task.application.center_code,
                     before={"task_id": task.id, "department": task.department_code,
                             "stage": task.stage, "assignee": username},
                     after={"task_id": task.id, "assignee": None, "reason": why})
    return len(tasks)
