"""Who works a pending task: the department's pool (待领) and each approver's own tasks
(我的待办). An approver claims a task from the pool and may release it back; a chief
representative (首席代表) hands one to an approver of the department. Each change is one
transaction with its audit record, checked against the task's ``version`` so that two
people never both take the same task."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import audit, clock
from hub.approvals import mapping, routing
from hub.approvals.models import ApprovalTask
from hub.approvals.services import load_application, task_in_reach
from hub.directory.models import User
from hub.errors import Conflict, PermissionDenied, ValidationFailed
from hub.permissions import Principal


def _locked_task(session: Session, actor: Principal, task_id: uuid.UUID, action: str
                 ) -> ApprovalTask:
    """The pending task, its case's row locked (so a decision or another claim on the case
    waits), once ``actor`` may do ``action`` in its department."""
    task = task_in_reach(session, actor, task_id, action)
    app = load_application(session, task.application_id, lock=True)
    task = next(t for t in app.tasks if t.id == task_id)
    if task.status != routing.PENDING:
        raise Conflict("该审批任务已有决定，不能再领取、退回或指派", current_version=task.version)
    return task


def _check_version(task: ApprovalTask, version: int | None) -> None:
    if version is not None and task.version != version:
        raise Conflict(f"任务已被他人更新（当前版本 {task.version}），请刷新后重试",
                       current_version=task.version)


def _hand(session: Session, actor: Principal, task: ApprovalTask, assignee: str | None,
          action: str) -> ApprovalTask:
    before = mapping.task_summary(task) | {"assignee": task.assignee}
    task.assignee = assignee
    task.version += 1
    task.updated_at = clock.now()
    app = task.application
    audit.record(session, actor, action, target_type="application", target_id=app.id,
                 center=app.center_code, before=before,
                 after=mapping.task_summary(task) | {"assignee": assignee})
    session.commit()
    return task


def assignee_problem(user: User | None, username: str, department: str) -> str | None:
    """Why ``username`` cannot be given a task of ``department``, in plain words, or None."""
    if user is None:
        return f"没有登录名为 {username} 的工作人员"
    if user.status != "active":
        return f"{user.display_name}（{username}）已离岗，不能接收审批任务"
    if user.department_code != department:
        return f"{user.display_name}（{username}）不是本部门的工作人员"
    if not {"approver", "chief"} & set(user.roles):
        return f"{user.display_name}（{username}）不是审批人员"
    return None


def assign_task(session: Session, actor: Principal, task_id: uuid.UUID, assignee: str,
                version: int | None = None) -> ApprovalTask:
    """A chief representative hands a pending task to an approver of the department."""
    task = _locked_task(session, actor, task_id, "task.assign")
    _check_version(task, version)
    user = session.scalars(select(User).where(User.username == assignee)).one_or_none()
    problem = assignee_problem(user, assignee, task.department_code)
    if problem:
        raise ValidationFailed({"assignee": [problem]})
    return _hand(session, actor, task, assignee, "task.assigned")


def claim_task(session: Session, actor: Principal, task_id: uuid.UUID,
               version: int) -> ApprovalTask:
    """An approver takes a task from the department's pool (领取); one already theirs is
    theirs (a repeated claim changes nothing)."""
    task = _locked_task(session, actor, task_id, "task.claim")
    if task.assignee == actor.username:
        return task
    if task.assignee is not None:
        raise Conflict(f"该任务已由 {task.assignee} 领取，如需转办请联系首席代表",
                       current_version=task.version)
    _check_version(task, version)
    return _hand(session, actor, task, actor.username, "task.claimed")


def release_task(session: Session, actor: Principal, task_id: uuid.UUID,
                 version: int) -> ApprovalTask:
    """A task goes back to the department's pool (退回待领): by whoever holds it, or by a
    chief representative for anyone of the department."""
    task = _locked_task(session, actor, task_id, "task.claim")
    if task.assignee is None:
        raise Conflict("该任务不在任何人名下，无需退回", current_version=task.version)
    if task.assignee != actor.username and not actor.has_role("chief"):
        raise PermissionDenied(f"该任务由 {task.assignee} 办理，只有其本人或首席代表可以退回")
    _check_version(task, version)
    return _hand(session, actor, task, None, "task.released")


__all__ = ["assign_task", "assignee_problem", "claim_task", "release_task"]
