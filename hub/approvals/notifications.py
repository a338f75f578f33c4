"""Staff notifications (站内提醒), written once per outbox message by their consumer,
and read by the staff they are for."""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from hub import clock
from hub.approvals.calendar import local_date
from hub.approvals.models import Application, ApprovalTask, DeadlineWarning, Notification
from hub.catalog.models import ServiceItem
from hub.outbox.services import claim, claim_many
from hub.permissions import Principal

CONSUMER = "approvals.notify"
STATUS_LABELS = {"approved": "准予许可", "rejected": "不予许可", "withdrawn": "已撤回"}


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def _compose(session: Session, kind: str, app: Application, task: ApprovalTask | None,
             warning_id: int | None) -> tuple[str | None, str | None, str]:
    """(center, department, text) of a notification."""
    item = session.get(ServiceItem, app.service_item_code)
    what = f"办件 {app.number}（{item.name if item else app.service_item_code}）"
    if kind == "task_opened" and task is not None:
        due = local_date(task.due_at)
        return None, task.department_code, (
            f"新的待办：{what} 第 {task.stage} 阶段，请于 {due.month} 月 {due.day} 日前办结")
    if kind == "task_reopened" and task is not None:
        return None, task.department_code, f"补正材料已提交：{what} 请继续审批"
    if kind == "supplement_requested":
        return app.center_code, None, f"{what} 需要补正材料，请通知申请人"
    if kind == "concluded":
        return app.center_code, None, f"{what} 已办结：{STATUS_LABELS.get(app.status, app.status)}"
    if kind == "warning" and warning_id is not None:
        warning = session.get(DeadlineWarning, warning_id)
        label = {"yellow": "黄牌预警", "red": "红牌警告"}[warning.level] if warning else "预警"
        if warning is not None and warning.department_code:
            return None, warning.department_code, f"{label}：{what} 本部门审批任务临近或超过时限"
        return app.center_code, None, f"{label}：{what} 临近或超过承诺时限"
    return app.center_code, None, f"{what} 有新的进展"


def notify(session: Session, message_id: str, kind: str, application_id: str,
           task_id: str | None = None, warning_id: int | None = None) -> bool:
    """The consumer of ``approvals.notify``: one notification per message, exactly once
    (a redelivered message finds its claim and does nothing). Commits."""
    if not claim(session, CONSUMER, message_id):
        session.rollback()
        return False
    app = session.get(Application, _uuid(application_id))
    if app is not None:
        task = session.get(ApprovalTask, _uuid(task_id)) if task_id else None
        center, department, text = _compose(session, kind, app, task, warning_id)
        session.add(Notification(message_id=message_id, kind=kind, center_code=center,
                                 department_code=department, application_id=app.id,
                                 text=text, created_at=clock.now()))
    session.commit()
    return True


def notify_batch(session: Session, messages: Sequence[Mapping[str, Any]]) -> int:
    """The batch consumer of ``approvals.notify``: the messages of one relay batch in one
    transaction, each exactly once (claimed in one statement; the cases and tasks read
    in one query each). Commits; returns how many notifications were new."""
    fresh = claim_many(session, CONSUMER, [str(m["message_id"]) for m in messages])
    todo = [m for m in messages if str(m["message_id"]) in fresh]
    app_ids = {_uuid(m.get("application_id")) for m in todo} - {None}
    task_ids = {_uuid(m.get("task_id")) for m in todo} - {None}
    apps = {a.id: a for a in session.scalars(
        select(Application).where(Application.id.in_(app_ids)))} if app_ids else {}
    tasks = {t.id: t for t in session.scalars(
        select(ApprovalTask).where(ApprovalTask.id.in_(task_ids)))} if task_ids else {}
    # Held here, so that ``_compose``'s look-ups find them in the session: one query.
    held = list(session.scalars(select(ServiceItem).where(
        ServiceItem.code.in_({a.service_item_code for a in apps.values()})))) if apps else []
    now = clock.now()
    for message in todo:
        app = apps.get(_uuid(message.get("application_id")))
        if app is None:
            continue
        task = tasks.get(_uuid(message.get("task_id")))
        center, department, text = _compose(session, message["kind"], app, task,
                                            message.get("warning_id"))
        session.add(Notification(message_id=str(message["message_id"]), kind=message["kind"],
                                 center_code=center, department_code=department,
                                 application_id=app.id, text=text, created_at=now))
    del held
    session.commit()
    return len(todo)


def for_principal(principal: Principal) -> Select[Any]:
    """The notifications a member of staff receives: their department's (approvers,
    chiefs) and their center's (clerks); a supervisor sees the warnings of all."""
    conditions = []
    if principal.has_role("approver", "chief") and principal.department:
        conditions.append(Notification.department_code == principal.department)
    if principal.has_role("clerk") and principal.center:
        conditions.append((Notification.center_code == principal.center)
                          & Notification.department_code.is_(None))
    if principal.has_role("supervisor"):
        conditions.append(Notification.kind == "warning")
    return select(Notification).where(or_(*conditions) if conditions else False)
