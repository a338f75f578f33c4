"""The cast of the approval walks: a window clerk, the departments' approvers and chiefs,
a supervisor, an administrator, and the service items they work on."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from hub.approvals.forms import with_check_character
from tests.factories import People, Person

ID_NUMBER = with_check_character("21010219900101123")  # 210102199001011237
PHONE = "13812345678"
FORM = {"shop_name": "老边饺子馆"}
DEPARTMENTS = ("market", "food", "fire", "environment")


@dataclasses.dataclass
class Hall:
    client: FlaskClient
    people: People
    clerk: Person
    approvers: dict[str, Person]
    chiefs: dict[str, Person]
    supervisor: Person
    admin: Person

    def submit(self, *, key: str | None = None, clerk: Person | None = None,
               **overrides: Any) -> Any:
        clerk = clerk or self.clerk
        body = {"service_item": "open-restaurant", "center": clerk.user.center_code,
                "applicant": {"name": "张三丰", "id_number": ID_NUMBER, "phone": PHONE},
                "form": dict(FORM)}
        body.update(overrides)
        headers = dict(clerk.headers)
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post("/api/v1/applications", json=body, headers=headers)

    def submitted(self, **overrides: Any) -> dict[str, Any]:
        response = self.submit(**overrides)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def get(self, application_id: str, who: Person | None = None) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/applications/{application_id}",
                                   headers=(who or self.clerk).headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    @staticmethod
    def task(application: dict[str, Any], department: str, stage: int | None = None
             ) -> dict[str, Any]:
        found = [t for t in application["tasks"] if t["department"] == department
                 and (stage is None or t["stage"] == stage)]
        assert found, f"no {department} task in {application['tasks']}"
        return found[-1]

    def decide(self, task: dict[str, Any], decision: str = "approve", *,
               who: Person | None = None, comment: str | None = None,
               version: int | None = None) -> Any:
        body: dict[str, Any] = {"decision": decision,
                                "version": task["version"] if version is None else version}
        if comment is not None:
            body["comment"] = comment
        who = who or self.approvers[task["department"]]
        return self.client.post(f"/api/v1/tasks/{task['id']}/decision", json=body,
                                headers=who.headers)

    def decided(self, task: dict[str, Any], decision: str = "approve", **kw: Any
                ) -> dict[str, Any]:
        response = self.decide(task, decision, **kw)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def approve_stage(self, application: dict[str, Any], stage: int) -> dict[str, Any]:
        result = application
        for task in [t for t in application["tasks"] if t["stage"] == stage
                     and t["status"] == "pending"]:
            result = self.decided(task)["application"]
        return result


def lasting(people: People, person: Person) -> Person:
    """The person with a token valid for a year: these walks move the clock by days."""
    return Person(user=person.user, token=people.token_for(person.user, dt.timedelta(days=365)))


@pytest.fixture
def hall(client: FlaskClient, people: People) -> Hall:
    people.service_item()
    people.service_item(code="fire-check", name="消防安全检查", promised_days=5, stages=[
        {"mode": "any", "tasks": [{"department": "fire", "days": 3},
                                  {"department": "environment", "days": 3}]},
        {"mode": "all", "tasks": [{"department": "market", "days": 2}]}])
    return Hall(
        client=client, people=people, clerk=lasting(people, people.clerk(center="binhe")),
        approvers={d: lasting(people, people.approver(d)) for d in DEPARTMENTS},
        chiefs={d: lasting(people, people.chief(d)) for d in DEPARTMENTS},
        supervisor=lasting(people, people.supervisor()), admin=lasting(people, people.admin()))


def new_key() -> str:
    return f"key-{uuid.uuid4().hex}"
