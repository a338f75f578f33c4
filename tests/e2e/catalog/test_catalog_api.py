"""Service items over HTTP: API.md's example, invalid definitions, who may define them."""
import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditRecord
from hub.catalog.models import ServiceItem
from tests.factories import service_item_definition

DEPARTMENTS = ("market", "food", "fire", "environment")


@pytest.fixture
def admin(people):
    people.departments(*DEPARTMENTS)
    return people.admin()


def test_admin_defines_the_api_md_example_and_anyone_reads_it(client, people, admin):
    created = client.post("/api/v1/service-items", json=service_item_definition(),
                          headers=admin.headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["code"] == "open-restaurant" and body["promised_days"] == 10
    assert body["stages"][1]["tasks"][2] == {"department": "environment", "days": 5}
    assert body["form"][0] == {"name": "shop_name", "label": "店铺名称", "type": "string",
                               "required": True, "departments": ["market", "fire"]}
    # Saved, and told that nobody approves for these departments yet (无人可办).
    warnings = body.pop("warnings")
    assert {w["department"] for w in warnings} == set(DEPARTMENTS)
    clerk = people.clerk()
    assert client.get("/api/v1/service-items/open-restaurant", headers=clerk.headers).json == body
    listed = client.get("/api/v1/service-items", headers=clerk.headers).json
    assert [i["code"] for i in listed["items"]] == ["open-restaurant"]


@pytest.mark.parametrize("change, field", [
    ({"stages": []}, "stages"),
    ({"stages": [{"mode": "all", "tasks": [{"department": "nowhere", "days": 3}]}]},
     "stages.0.tasks.0.department"),
    ({"stages": [{"mode": "all", "tasks": [{"department": "market", "days": 0}]}]},
     "stages.0.tasks.0.days"),
    ({"stages": [{"mode": "some", "tasks": [{"department": "market", "days": 1}]}]},
     "stages.0.mode"),
    ({"stages": [{"mode": "all", "tasks": []}]}, "stages.0.tasks"),
    ({"stages": [{"mode": "all", "tasks": [{"department": "market", "days": 1},
                                           {"department": "market", "days": 2}]}]}, "stages.0.tasks"),
    ({"form": [{"name": "x", "label": "X", "departments": ["nowhere"]}]}, "form.0.departments"),
    ({"form": [{"name": "x", "label": "X"}, {"name": "x", "label": "Y"}]}, "form"),
    ({"form": [{"name": "x", "label": "X", "type": "choice"}]}, "form.0.options"),
    ({"promised_days": 0}, "promised_days"),
    ({"promised_days": "ten"}, "promised_days"),
    ({"code": "Bad Code"}, "code"),
])
def test_invalid_definitions_are_422_and_write_nothing(client, admin, session, change, field):
    response = client.post("/api/v1/service-items", json=service_item_definition(**change),
                           headers=admin.headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert session.scalar(select(func.count()).select_from(ServiceItem)) == 0


def test_missing_stages_is_422(client, admin):
    definition = service_item_definition()
    del definition["stages"]
    response = client.post("/api/v1/service-items", json=definition, headers=admin.headers)
    assert response.status_code == 422 and "stages" in response.json["errors"]


def test_duplicate_code_is_409(client, admin):
    assert client.post("/api/v1/service-items", json=service_item_definition(),
                       headers=admin.headers).status_code == 201
    assert client.post("/api/v1/service-items", json=service_item_definition(),
                       headers=admin.headers).status_code == 409


def test_put_replaces_the_definition_and_audits_the_change(client, admin, session):
    client.post("/api/v1/service-items", json=service_item_definition(), headers=admin.headers)
    definition = service_item_definition(promised_days=8)
    del definition["code"]
    response = client.put("/api/v1/service-items/open-restaurant", json=definition,
                          headers=admin.headers)
    assert response.status_code == 200 and response.json["promised_days"] == 8
    assert response.json["version"] == 2
    record = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "service_item.updated")).one()
    assert record.before == {"promised_days": 10} and record.after == {"promised_days": 8}


def test_put_with_another_code_or_unknown_item(client, admin):
    client.post("/api/v1/service-items", json=service_item_definition(), headers=admin.headers)
    other = client.put("/api/v1/service-items/open-restaurant",
                       json=service_item_definition(code="other"), headers=admin.headers)
    assert other.status_code == 422 and "code" in other.json["errors"]
    missing = client.put("/api/v1/service-items/nothing", json=service_item_definition(code="nothing"),
                         headers=admin.headers)
    assert missing.status_code == 404
    assert client.get("/api/v1/service-items/nothing", headers=admin.headers).status_code == 404


@pytest.mark.parametrize("role", ["clerk", "approver", "chief", "supervisor", "adapter"])
def test_only_admin_defines_items(client, people, admin, role, session):
    caller = people.make(role, department="fire" if role in ("approver", "chief") else None)
    assert client.post("/api/v1/service-items", json=service_item_definition(),
                       headers=caller.headers).status_code == 403
    assert client.put("/api/v1/service-items/open-restaurant", json=service_item_definition(),
                      headers=caller.headers).status_code == 403
    assert client.get("/api/v1/service-items", headers=caller.headers).status_code == 200
    assert session.scalar(select(func.count()).select_from(ServiceItem)) == 0
