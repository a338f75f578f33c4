"""A center's staff export marking an approver as left hands their assigned tasks back to
the department's pool, as the administrator's change does (one mechanism)."""
from __future__ import annotations

from sqlalchemy import select, update

from hub import db as hub_db
from hub.approvals import services
from hub.approvals.forms import with_check_character
from hub.approvals.models import ApprovalTask
from hub.audit.models import AuditRecord
from hub.directory.auth import principal_for
from tests.integration.sync.conftest import counts, http_center, sync  # noqa: F401
from tests.integration.sync.test_file_and_staff_sync import staff


def test_a_synced_approver_who_leaves_hands_back_their_tasks(app, http_center, session,
                                                             people):
    people.department("fire")
    people.service_item(code="fire-check", name="消防检查", stages=[
        {"mode": "all", "tasks": [{"department": "fire", "days": 3}]}], form=[])
    http_center.put_many("staff", [staff(2, roles="approver", department="fire")])
    [run] = sync(app, stream="staff")
    assert counts(run) == (1, 1, 0, 0, 0), run.error
    clerk = people.clerk(center="binhe")
    with hub_db.get_database(app).session_scope() as own:
        case = services.submit_application(own, principal_for(clerk.user), {
            "service_item": "fire-check", "center": "binhe", "form": {},
            "applicant": {"name": "李四", "id_number": with_check_character("21010219900101123"),
                          "phone": "13812345678"}}).application
        task_id = case.tasks[0].id
    session.execute(update(ApprovalTask).where(ApprovalTask.id == task_id)
                    .values(assignee="binhe.2"))

    http_center.change("staff", "E2", status="left")
    [again] = sync(app, stream="staff")
    assert counts(again) == (1, 0, 1, 0, 0), again.error
    task = session.get(ApprovalTask, task_id, populate_existing=True)
    assert task.assignee is None and task.status == "pending"
    [released] = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "task.released")).all()
    assert released.actor == "adapter:binhe" and released.before["assignee"] == "binhe.2"
    updated = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "user.updated", AuditRecord.target_id == "binhe.2")).one()
    assert updated.after["tasks_released"] == 1
