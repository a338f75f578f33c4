"""What a change of a case tells others, through the outbox (in the change's own
transaction): tasks delivered to the departments' systems, staff notifications.
Messages carry ids only, never personal data."""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.approvals import routing
from hub.approvals.models import Application, ApprovalTask
from hub.directory.models import Department
from hub.outbox.services import enqueue

NOTIFY = "approvals.notify"
DELIVER = "outbound.deliver_task"  # hub.delivery's consumer (interface 3)


def _task_opened(session: Session, task: ApprovalTask, *, again: bool) -> None:
    suffix = f":{task.version}" if again else ""
    kind = "task_reopened" if again else "task_opened"
    enqueue(session, NOTIFY, {"kind": kind, "application_id": str(task.application_id),
                              "task_id": str(task.id)},
            dedupe_key=f"notify:{kind}:{task.id}{suffix}")
    department = session.get(Department, task.department_code)
    if department is not None and department.endpoint:
        # A task handed back after a supplement is delivered again, with the new form.
        enqueue(session, DELIVER, {"task_id": str(task.id)},
                dedupe_key=f"deliver:{task.id}{suffix}")


def announce(session: Session, app: Application, *, opened: Iterable[ApprovalTask] = (),
             previous_tasks: Mapping[uuid.UUID, str] | None = None,
             status_changed: bool = False) -> None:
    """Write the outbox messages of one change of ``app``."""
    opened = list(opened)
    departments = {task.department_code for task in opened}
    # One query for all of them: ``session.get`` below then finds each in the session
    # (held here: the session's identity map keeps only what is referenced).
    held = (session.scalars(select(Department).where(Department.code.in_(departments))).all()
            if len(departments) > 1 else [])
    for task in opened:
        _task_opened(session, task, again=False)
    del held
    for task in app.tasks:
        if (previous_tasks or {}).get(task.id) == routing.SUPPLEMENT_REQUESTED \
                and task.status == routing.PENDING:
            _task_opened(session, task, again=True)
    if not status_changed:
        return
    if app.status == routing.SUPPLEMENT_REQUESTED:
        enqueue(session, NOTIFY, {"kind": "supplement_requested", "application_id": str(app.id)},
                dedupe_key=f"notify:supplement_requested:{app.id}:{app.version}")
    elif app.concluded_at is not None:
        enqueue(session, NOTIFY, {"kind": "concluded", "application_id": str(app.id)},
                dedupe_key=f"notify:concluded:{app.id}")
