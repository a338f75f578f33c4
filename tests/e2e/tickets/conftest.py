"""The cast of the call center: operators and a clerk at two centers, the departments'
approvers and chiefs, a supervisor and an administrator, and their tickets."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.e2e.approvals.conftest import lasting
from tests.factories import People, Person

PHONE = "13912345678"
DEPARTMENTS = ("market", "fire")


@dataclasses.dataclass
class CallCenter:
    client: FlaskClient
    people: People
    operator: Person  # binhe's
    operator2: Person  # binhe's second
    clerk: Person  # binhe's window
    other: Person  # daxi's operator
    approvers: dict[str, Person]
    chiefs: dict[str, Person]
    supervisor: Person
    admin: Person

    def receive(self, who: Person | None = None, *, key: str | None = None,
                **overrides: Any) -> Any:
        who = who or self.operator
        body = {"kind": "complaint", "channel": "hotline", "center": who.user.center_code,
                "subject": "占道经营", "content": "小区门口早市占道经营，影响通行",
                "caller": {"name": "赵六", "phone": PHONE}}
        body.update(overrides)
        headers = dict(who.headers)
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post("/api/v1/tickets", json=body, headers=headers)

    def received(self, who: Person | None = None, **overrides: Any) -> dict[str, Any]:
        response = self.receive(who, **overrides)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def act(self, ticket: dict[str, Any], step: str, who: Person | None = None,
            **body: Any) -> Any:
        who = who or self.operator
        if step == "reply" and "version" not in body:
            body["version"] = ticket["version"]
        return self.client.post(f"/api/v1/tickets/{ticket['id']}/{step}", json=body,
                                headers=who.headers)

    def acted(self, ticket: dict[str, Any], step: str, who: Person | None = None,
              **body: Any) -> dict[str, Any]:
        response = self.act(ticket, step, who, **body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def get(self, ticket_id: str, who: Person | None = None) -> Any:
        return self.client.get(f"/api/v1/tickets/{ticket_id}",
                               headers=(who or self.operator).headers)


@pytest.fixture
def cc(client: FlaskClient, people: People) -> CallCenter:
    people.service_item()
    for code in DEPARTMENTS:
        people.department(code)
    return CallCenter(
        client=client, people=people,
        operator=lasting(people, people.make("operator", center="binhe", username="op.binhe")),
        operator2=lasting(people, people.make("operator", center="binhe", username="op2.binhe")),
        clerk=lasting(people, people.clerk(center="binhe", username="clerk.binhe")),
        other=lasting(people, people.make("operator", center="daxi", username="op.daxi")),
        approvers={d: lasting(people, people.approver(d, username=f"{d}.approver"))
                   for d in DEPARTMENTS},
        chiefs={d: lasting(people, people.chief(d, username=f"{d}.chief")) for d in DEPARTMENTS},
        supervisor=lasting(people, people.supervisor(username="official")),
        admin=lasting(people, people.admin(username="guan")))


def new_key() -> str:
    return f"key-{uuid.uuid4().hex}"


def later(app, **delta: float) -> dt.datetime:
    """Move the app's frozen clock on."""
    return app.extensions["hub.clock"].advance(dt.timedelta(**delta))
