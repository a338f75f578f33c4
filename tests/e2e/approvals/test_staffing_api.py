"""Work that goes to nobody (无人可办), over HTTP on both databases: the administrator is
warned when an item is routed to a department nobody decides for and when a departure
leaves work behind; a departing approver's tasks go back to the pool, audited; officials
see what nobody can act on, in the API and the metrics."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update

from hub.approvals.models import ApprovalTask
from tests.e2e.monitoring.exposition import samples, value
from tests.factories import service_item_definition

UNATTENDED = "/api/v1/supervision/unattended"


@pytest.fixture
def app_config():  # type: ignore[no-untyped-def]
    return {"metrics_cache_seconds": 0}  # each scrape reads the database afresh


def test_saving_an_item_routed_to_nobody_is_warned(hall, people):
    people.department("planning", "区自然资源和规划分局")  # no approver, no chief
    definition = service_item_definition("plan-check", name="规划核实", stages=[
        {"mode": "all", "tasks": [{"department": "market", "days": 2}]},
        {"mode": "all", "tasks": [{"department": "planning", "days": 5}]}])
    created = hall.client.post("/api/v1/service-items", json=definition,
                               headers=hall.admin.headers)
    assert created.status_code == 201, created.get_json()
    [warning] = created.get_json()["warnings"]
    assert (warning["stage"], warning["department"], warning["kind"]) == (
        2, "planning", "no_active_approver")
    assert "区自然资源和规划分局" in warning["detail"] and "无人可办" in warning["detail"]
    # An approver starts there: saved again, nothing to warn about.
    people.approver("planning")
    replaced = hall.client.put("/api/v1/service-items/plan-check", json=definition,
                               headers=hall.admin.headers)
    assert replaced.status_code == 200 and replaced.get_json()["warnings"] == []


def test_a_departing_approver_hands_back_their_tasks(hall, session, client):
    case = hall.submitted()
    market = hall.task(case, "market")
    leaving = hall.approvers["market"]
    assigned = hall.client.post(f"/api/v1/tasks/{market['id']}/assign",
                                json={"assignee": leaving.username},
                                headers=hall.chiefs["market"].headers)
    assert assigned.status_code == 200, assigned.get_json()

    response = hall.client.patch(f"/api/v1/users/{leaving.username}", json={"status": "left"},
                                 headers=hall.admin.headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "left"
    assert any("1 件在办审批任务" in w and "退回" in w for w in body["warnings"])
    assert not any("最后一名" in w for w in body["warnings"])  # the chief is still there

    back = hall.get(case["id"])["tasks"]
    task = next(t for t in back if t["id"] == market["id"])
    assert task["assignee"] is None and task["version"] == assigned.get_json()["version"] + 1
    trail = hall.client.get("/api/v1/audit", query_string={"target": case["id"]},
                            headers=hall.supervisor.headers).get_json()["items"]
    [released] = [r for r in trail if r["action"] == "task.released"]
    assert released["actor"] == hall.admin.username
    assert released["before"]["assignee"] == leaving.username
    assert released["after"]["assignee"] is None
    # Nobody is left without work: the chief still decides for market.
    assert hall.client.get(UNATTENDED, headers=hall.supervisor.headers
                           ).get_json()["items"] == []


def test_the_last_approver_leaving_is_warned_and_their_queue_shows_as_nobodys(hall, client):
    case = hall.submitted()
    for person in (hall.chiefs["market"], hall.approvers["market"]):
        said = hall.client.patch(f"/api/v1/users/{person.username}",
                                 json={"status": "left"}, headers=hall.admin.headers)
        assert said.status_code == 200
    # The second to leave was the last: said so, with the queue left behind.
    assert any("最后一名在岗审批人员" in w and "1 件待办" in w
               for w in said.get_json()["warnings"])

    listed = hall.client.get(UNATTENDED, headers=hall.supervisor.headers)
    assert listed.status_code == 200
    [item] = listed.get_json()["items"]
    assert (item["application_number"], item["department"], item["reason"]) == (
        case["number"], "market", "no_active_approver")
    assert hall.client.get(UNATTENDED, query_string={"department": "fire"},
                           headers=hall.supervisor.headers).get_json()["items"] == []
    found = samples(client.get("/metrics").get_data(as_text=True))
    assert value(found, "hub_tasks_unattended", department="market") == 1
    assert value(found, "hub_tasks_unattended", department="fire") == 0
    # Only officials read it.
    for who in (hall.clerk, hall.approvers["fire"]):
        assert hall.client.get(UNATTENDED, headers=who.headers).status_code == 403


def test_a_task_left_with_someone_who_has_gone_is_nobodys(hall, session, people):
    """Assigned to a person who has since left (written before departures handed tasks
    back, or by another way in): still found."""
    case = hall.submitted()
    gone = people.approver("market", status="left")
    market = hall.task(case, "market")
    session.execute(update(ApprovalTask).where(ApprovalTask.id == uuid.UUID(market["id"]))
                    .values(assignee=gone.username))
    [item] = hall.client.get(UNATTENDED, headers=hall.supervisor.headers).get_json()["items"]
    assert (item["task_id"], item["reason"], item["assignee"]) == (
        market["id"], "assignee_inactive", gone.username)


def test_moving_to_another_department_hands_back_too(hall, people):
    case = hall.submitted()
    market = hall.task(case, "market")
    mover = hall.approvers["market"]
    hall.client.post(f"/api/v1/tasks/{market['id']}/assign", json={"assignee": mover.username},
                     headers=hall.chiefs["market"].headers)
    moved = hall.client.patch(f"/api/v1/users/{mover.username}", json={"department": "fire"},
                              headers=hall.admin.headers)
    assert moved.status_code == 200 and moved.get_json()["warnings"]
    assert hall.task(hall.get(case["id"]), "market")["assignee"] is None
    # A change that keeps them deciding for market says nothing.
    stays = hall.client.patch(f"/api/v1/users/{hall.chiefs['market'].username}",
                              json={"display_name": "新名字"}, headers=hall.admin.headers)
    assert stays.status_code == 200 and stays.get_json()["warnings"] == []
