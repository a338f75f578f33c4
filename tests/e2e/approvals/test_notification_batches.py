"""The batch consumer of ``approvals.notify`` (issue 23): the messages a relay claimed
together are handled in one transaction, each exactly once; a message that cannot be
handled fails alone, the others of its batch are written."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from hub.approvals.models import Notification
from hub.approvals.tasks import notify_batch
from hub.outbox.models import OutboxMessage, ProcessedMessage


def test_a_batch_writes_each_new_message_once_and_skips_those_done(app, hall, session):
    case = hall.submitted()
    [done] = session.scalars(select(OutboxMessage).where(OutboxMessage.topic
                                                         == "approvals.notify"))
    fresh = [{"message_id": str(uuid.uuid4()), "kind": "concluded",
              "application_id": case["id"]} for _ in range(3)]
    messages = [{**done.payload, "message_id": str(done.id)}, *fresh, fresh[0]]
    with app.app_context():
        assert notify_batch.apply(kwargs={"messages": messages}, throw=True).get() == 3
        assert notify_batch.apply(kwargs={"messages": messages}, throw=True).get() == 0
    written = list(session.scalars(select(Notification.message_id)))
    assert sorted(written) == sorted([str(done.id), *(m["message_id"] for m in fresh)])
    assert session.scalar(select(func.count()).select_from(ProcessedMessage)) == 4


def test_a_message_that_cannot_be_handled_fails_alone(app, hall, session):
    case = hall.submitted()
    good = {"message_id": str(uuid.uuid4()), "kind": "concluded", "application_id": case["id"]}
    bad = {"message_id": str(uuid.uuid4()), "kind": "concluded", "application_id": "not-a-case"}
    with app.app_context(), pytest.raises(RuntimeError, match="1 of 2 notifications failed"):
        notify_batch.apply(kwargs={"messages": [bad, good]}, throw=True)
    assert session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.message_id == good["message_id"])) == 1
    # The failed one left no claim: its redelivery tries it again.
    assert session.scalar(select(func.count()).select_from(ProcessedMessage)
                          .where(ProcessedMessage.message_id == bad["message_id"])) == 0
