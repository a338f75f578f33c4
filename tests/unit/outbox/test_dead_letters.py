"""Which outbox rows a dead-lettered message stood for: every message of a batch, or the
single task's id."""
from __future__ import annotations

import json

from kombu import Message

from hub.outbox.publishing import _message_ids


def message(kwargs: dict[str, object]) -> Message:
    return Message(body=json.dumps([[], kwargs, {}]), content_type="application/json",
                   content_encoding="utf-8")


def test_a_batch_names_each_of_its_messages() -> None:
    batch = message({"messages": [{"message_id": "a", "kind": "x"}, {"message_id": "b"}]})
    assert _message_ids(batch, {"id": "batch-task"}) == ["a", "b"]


def test_a_single_message_is_its_task_id() -> None:
    assert _message_ids(message({"kind": "x", "message_id": "m"}), {"id": "m"}) == ["m"]
    broken = Message(body=b"\x00not json", content_type="application/json",
                     content_encoding="utf-8")
    assert _message_ids(broken, {"id": "m"}) == ["m"]
