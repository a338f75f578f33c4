"""What a change of a case tells others, through the outbox (in the change's own
transaction): tasks delivered to the departments' systems, staff notifications.
Messages carry ids only, never personal data."""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from hub.approvals import routing
from hub.approvals.models import Application, ApprovalTask
from hub.directory.departments import endpoints
from hub.outbox.services import Message, enqueue_many

NOTIFY = "approvals.notify"
DELIVER = "outbound.deliver_task"  # hub.delivery's consumer (interface 3)


def _task_opened(task: ApprovalTask, systems: Mapping[str, Mapping[str, Any] | None], *,
                 again: bool) -> list[Message]:
    """Its notification and, if its department has a system (``systems``: the
    departments' endpoints), its delivery there."""
    suffix = f":{task.version}" if again else ""
    kind = "task_reopened" if again else "task_opened"
    found = [Message(NOTIFY, {"kind": kind, "application_id": str(task.application_id),
                              "task_id": str(task.id)},
                     f"notify:{kind}:{task.id}{suffix}")]
    if systems.get(task.department_code):
        # A task handed back after a supplement is delivered again, with the new form.
        found.append(Message(DELIVER, {"task_id": str(task.id)}, f"deliver:{task.id}{suffix}"))
    return found


def announce(session: Session, app: Application, *, opened: Iterable[ApprovalTask] = (),
             previous_tasks: Mapping[uuid.UUID, str] | None = None,
             status_changed: bool = False) -> None:
    """Write the outbox messages of one change of ``app`` (in one statement)."""
    reopened = [task for task in app.tasks
                if (previous_tasks or {}).get(task.id) == routing.SUPPLEMENT_REQUESTED
                and task.status == routing.PENDING]
    opened = [*((task, False) for task in opened), *((task, True) for task in reopened)]
    found = endpoints(session, {task.department_code for task, _ in opened}) if opened else {}
    messages = [m for task, again in opened for m in _task_opened(task, found, again=again)]
    if status_changed and app.status == routing.SUPPLEMENT_REQUESTED:
        messages.append(Message(NOTIFY, {"kind": "supplement_requested",
                                         "application_id": str(app.id)},
                                f"notify:supplement_requested:{app.id}:{app.version}"))
    elif status_changed and app.concluded_at is not None:
        messages.append(Message(NOTIFY, {"kind": "concluded", "application_id": str(app.id)},
                                f"notify:concluded:{app.id}"))
    enqueue_many(session, messages)
