"""The hall at the end of the demo's week, through the same services the pages call:
each department's approvers take the most urgent of its pending tasks into "my tasks"
(the rest wait in the department's pool), and the administrator leaves the editor's
work unpublished: a new version of an item as a draft, and a new item not yet offered."""
from __future__ import annotations

import dataclasses

from sqlalchemy import func, select

from hub.approvals import assignment, routing
from hub.approvals.models import Application, ApprovalTask
from hub.catalog import publication
from hub.catalog.models import ServiceItem
from hub.db import Database
from hub.demo.driver import load_staff
from hub.directory.auth import principal_for
from hub.directory.models import User

CLAIMS_PER_APPROVER = 2
# The next version of a published item: a tighter seat range and a new field, left as a draft.
REVISED_ITEM = "open-restaurant"
NEW_ITEM = {
    "code": "open-cafe", "name": "开办咖啡馆", "promised_days": 8, "yellow_days": 1,
    "form": [
        {"name": "shop_name", "label": "店铺名称", "type": "string", "required": True,
         "departments": ["market", "food"], "company": True},
        {"name": "credit_code", "label": "统一社会信用代码", "type": "credit_code",
         "required": True, "departments": ["market"]},
        {"name": "seats", "label": "座位数", "type": "integer", "required": True, "min": 0,
         "max": 300, "departments": ["food", "fire"]},
        {"name": "opening", "label": "计划开业日期", "type": "date", "not_past": True,
         "departments": ["market"]}],
    "stages": [{"mode": "all", "tasks": [{"department": "market", "days": 3}]},
               {"mode": "all", "tasks": [{"department": "food", "days": 5},
                                         {"department": "fire", "days": 5}]}]}


@dataclasses.dataclass(frozen=True)
class HallWeek:
    claimed: int  # tasks in approvers' "my tasks"
    pool: int  # pending tasks no one has taken
    awaiting_supplement: int  # cases in the windows' supplement inboxes
    drafts: tuple[str, ...]  # items with a draft not yet published


def finish(database: Database) -> HallWeek:
    """Claims and drafts at the week's end (the clock stands where the week ended)."""
    with database.session_scope() as session:
        staff = load_staff(session)
        claimed = 0
        for department, people in sorted(staff.departments.items()):
            approvers = [p for p in people if p.has_role("approver") and not p.has_role("chief")]
            waiting = session.scalars(
                select(ApprovalTask.id).join(Application)
                .where(ApprovalTask.department_code == department,
                       ApprovalTask.status == routing.PENDING, ApprovalTask.assignee.is_(None),
                       Application.status == routing.IN_REVIEW)
                .order_by(ApprovalTask.due_at, ApprovalTask.id)
                .limit(CLAIMS_PER_APPROVER * len(approvers))).all()
            for n, task_id in enumerate(waiting):
                task = session.get(ApprovalTask, task_id)
                assignment.claim_task(session, approvers[n % len(approvers)], task_id,
                                      task.version if task else 0)
                claimed += 1
        admin = principal_for(session.scalars(select(User).where(User.username == "admin")).one())
        revised = dict(publication.published(session.get(ServiceItem, REVISED_ITEM)))
        revised["form"] = [dict(f, max=300) if f["name"] == "seats" else f for f in revised["form"]]
        revised["form"].append({"name": "fire_exits", "label": "安全出口数量", "type": "integer",
                                "required": True, "min": 1, "max": 20, "departments": ["fire"]})
        publication.save_draft(session, admin, REVISED_ITEM, revised)
        publication.create_draft(session, admin, NEW_ITEM["code"],
                                 {k: v for k, v in NEW_ITEM.items() if k != "code"})
        pool = session.scalar(select(func.count()).select_from(ApprovalTask).join(Application)
                              .where(ApprovalTask.status == routing.PENDING,
                                     ApprovalTask.assignee.is_(None),
                                     Application.status == routing.IN_REVIEW)) or 0
        awaiting = session.scalar(select(func.count()).select_from(Application).where(
            Application.status == routing.SUPPLEMENT_REQUESTED)) or 0
        drafts = tuple(session.scalars(select(ServiceItem.name).where(
            ServiceItem.draft.is_not(None)).order_by(ServiceItem.code)))
    return HallWeek(claimed=claimed, pool=pool, awaiting_supplement=awaiting, drafts=drafts)
