"""The disclosure office's cast: the district center's clerk, operator and chief (head of
the disclosure office), a street center's clerk, an official and an administrator; and
what every write test checks: the rows and the audit trail as they were."""
from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit.models import AuditRecord
from hub.disclosure.models import DisclosureRequest, DisclosureYear
from hub.disclosure.services import summary
from tests.factories import People, Person

REQUESTS = "/api/v1/disclosure/requests"
CONTACT = "13812345678"


def body(**overrides: Any) -> dict[str, Any]:
    sent = {"channel": "letter",
            "requester": {"kind": "person", "name": "王小明", "contact": CONTACT},
            "description": "本区2025年老旧小区改造项目清单及资金安排", "received_on": "2026-11-20"}
    sent.update(overrides)
    return sent


@dataclasses.dataclass
class Office:
    client: FlaskClient
    clerk: Person
    operator: Person
    chief: Person
    street_clerk: Person
    supervisor: Person
    admin: Person

    def register(self, who: Person | None = None, key: str | None = None, **overrides: Any
                 ) -> Any:
        headers = dict((who or self.clerk).headers)
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(REQUESTS, json=body(**overrides), headers=headers)

    def registered(self, **overrides: Any) -> dict[str, Any]:
        response = self.register(**overrides)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def act(self, request_id: str, step: str, who: Person | None = None, **sent: Any) -> Any:
        return self.client.post(f"{REQUESTS}/{request_id}/{step}", json=sent,
                                headers=(who or self.clerk).headers)

    def acted(self, request_id: str, step: str, who: Person | None = None, **sent: Any
              ) -> dict[str, Any]:
        response = self.act(request_id, step, who, **sent)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def get(self, path: str, who: Person | None = None, **params: Any) -> Any:
        return self.client.get(path, headers=(who or self.clerk).headers, query_string=params)


@pytest.fixture
def office(client: FlaskClient, people: People) -> Office:
    return Office(client=client, clerk=people.clerk(center="district"),
                  operator=people.make("operator", center="district"),
                  chief=people.chief("disclosure"), street_clerk=people.clerk(center="binhe"),
                  supervisor=people.supervisor(), admin=people.admin())


def state(session: Session) -> dict[str, Any]:
    """Everything a refused write must leave as it was."""
    session.expire_all()
    return {"requests": {str(r.id): summary(r) for r in session.scalars(select(DisclosureRequest))},
            "years": [(y.year, y.version) for y in session.scalars(select(DisclosureYear))],
            "audit": session.scalar(select(func.count()).select_from(AuditRecord))}
