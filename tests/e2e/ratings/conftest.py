"""Cases and tickets to rate: the approvals' hall (a clerk at binhe, the departments) and
the call center's cast, on one database."""
from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.approvals.conftest import Hall
from tests.e2e.approvals.conftest import hall as hall  # noqa: F401 - the fixture, reused
from tests.e2e.tickets.conftest import CallCenter
from tests.e2e.tickets.conftest import cc as cc  # noqa: F401 - the fixture, reused


def concluded(hall: Hall, outcome: str = "approve") -> dict[str, Any]:
    """A case accepted at binhe and concluded: approved by every stage, or rejected."""
    body = hall.submitted()
    code = body["receipt_code"]
    if outcome == "reject":
        result = hall.decided(hall.task(body, "market"), "reject", comment="经营场所不符合规定")
        application = result["application"]
    else:
        application = hall.approve_stage(body, 1)
        application = hall.approve_stage(application, 2)
    assert application["status"] in ("approved", "rejected")
    return {**application, "receipt_code": code}


def rate(client, number: str, code: str, level: int, comment: str | None = None,
         address: str = "198.51.100.7") -> Any:
    body: dict[str, Any] = {"number": number, "code": code, "level": level}
    if comment is not None:
        body["comment"] = comment
    return client.post("/api/v1/public/ratings", json=body,
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def answered(cc: CallCenter) -> dict[str, Any]:
    ticket = cc.received()
    code = ticket["receipt_code"]
    ticket = cc.acted(ticket, "assign", department="market")
    ticket = cc.acted(ticket, "reply", cc.approvers["market"], content="已处理")
    return {**ticket, "receipt_code": code}
