"""Supervision notices (督办) over HTTP, on both databases: a supervisor issues one on a
late case, the department answers it by its deadline, everyone concerned reads it, the
case's audit trail holds both; refusals are clear and change nothing."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.approvals.conftest import lasting

NOTICES = "/api/v1/supervision/notices"


@pytest.fixture
def late_case(hall, frozen_clock):  # type: ignore[no-untyped-def]
    """A case whose market step (3 working days) is past due: Monday + 6 days."""
    case = hall.submitted()
    frozen_clock.advance(dt.timedelta(days=6))
    return case


def issue(hall, case, **body):  # type: ignore[no-untyped-def]
    payload = {"application_id": case["id"], "content": "该件市场监管环节已超期，请说明原因",
               **body}
    return hall.client.post(NOTICES, json=payload, headers=hall.supervisor.headers)


def test_a_notice_is_issued_answered_and_audited_on_the_case(hall, late_case, frozen_clock):
    response = issue(hall, late_case, answer_days=2)
    assert response.status_code == 201, response.get_json()
    notice = response.get_json()
    # The only pending step is market's: the notice goes there, due in 2 working days.
    assert notice["department"] == "market" and notice["status"] == "open"
    assert notice["application_number"] == late_case["number"]
    assert notice["number"].startswith("DB-20261206-")  # issued Sunday 6 December
    assert notice["due_at"].startswith("2026-12-08T23:59:59")  # Mon 7, Tue 8
    assert notice["overdue"] is False and notice["answer"] is None

    # The department reads it; another department and another center's clerk do not.
    listed = hall.client.get(NOTICES, headers=hall.approvers["market"].headers).get_json()
    assert [n["id"] for n in listed["items"]] == [notice["id"]]
    assert hall.client.get(NOTICES, headers=hall.approvers["food"].headers
                           ).get_json()["items"] == []
    assert hall.client.get(f"{NOTICES}/{notice['id']}",
                           headers=hall.approvers["food"].headers).status_code == 404
    assert hall.client.get(f"{NOTICES}/{notice['id']}",
                           headers=hall.clerk.headers).status_code == 200  # binhe's case
    other_clerk = hall.people.clerk(center="daxi")
    assert hall.client.get(f"{NOTICES}/{notice['id']}",
                           headers=other_clerk.headers).status_code == 404

    frozen_clock.advance(dt.timedelta(days=1))
    answered = hall.client.post(f"{NOTICES}/{notice['id']}/answer",
                                json={"answer": "  申请人材料原件待核，已于今日核毕。 ",
                                      "version": notice["version"]},
                                headers=hall.chiefs["market"].headers)
    assert answered.status_code == 200, answered.get_json()
    body = answered.get_json()
    assert body["status"] == "answered" and body["answered_on_time"] is True
    assert body["answer"] == "申请人材料原件待核，已于今日核毕。"  # trimmed at the boundary
    assert body["answered_by"] == hall.chiefs["market"].username

    trail = hall.client.get("/api/v1/audit", query_string={"target": late_case["id"]},
                            headers=hall.supervisor.headers).get_json()["items"]
    actions = {r["action"]: r for r in trail}
    assert {"notice.issued", "notice.answered"} <= set(actions)
    assert actions["notice.issued"]["actor"] == hall.supervisor.username
    assert actions["notice.answered"]["after"]["on_time"] is True


def test_an_unanswered_notice_turns_overdue(hall, late_case, frozen_clock):
    notice = issue(hall, late_case, answer_days=1).get_json()  # due Monday 7 December
    frozen_clock.advance(dt.timedelta(days=1))  # Monday: still in time
    assert hall.client.get(f"{NOTICES}/{notice['id']}", headers=hall.supervisor.headers
                           ).get_json()["overdue"] is False
    frozen_clock.advance(dt.timedelta(days=1))  # Tuesday: past it
    overdue = hall.client.get(NOTICES, query_string={"overdue": "true"},
                              headers=hall.supervisor.headers).get_json()["items"]
    assert [n["id"] for n in overdue] == [notice["id"]] and overdue[0]["overdue"] is True
    market = lasting(hall.people, hall.people.approver("market"))
    late = hall.client.post(f"{NOTICES}/{notice['id']}/answer",
                            json={"answer": "已办结", "version": notice["version"]},
                            headers=market.headers).get_json()
    assert late["answered_on_time"] is False and late["overdue"] is False


def test_refusals_name_the_field_and_change_nothing(hall, late_case):
    for body, field in (({"content": "   "}, "content"), ({"answer_days": 0}, "answer_days"),
                        ({"answer_days": "3"}, "answer_days"),
                        ({"department": "fire"}, "department")):
        refused = issue(hall, late_case, **body)
        assert refused.status_code == 422, (body, refused.get_json())
        assert field in refused.get_json()["errors"], refused.get_json()
    missing = hall.client.post(NOTICES, json={"content": "x"}, headers=hall.supervisor.headers)
    assert missing.status_code == 422 and "application_id" in missing.get_json()["errors"]
    # Who may not issue one: the window, the department itself, the administrator.
    for who in (hall.clerk, hall.approvers["market"], hall.admin):
        assert hall.client.post(NOTICES, json={"application_id": late_case["id"],
                                               "content": "x"},
                                headers=who.headers).status_code == 403
    assert hall.client.get(NOTICES, headers=hall.supervisor.headers).get_json()["items"] == []


def test_one_open_notice_per_department_and_one_answer(hall, late_case):
    first = issue(hall, late_case).get_json()
    again = issue(hall, late_case)
    assert again.status_code == 409 and first["number"] in again.get_json()["detail"]
    stale = hall.client.post(f"{NOTICES}/{first['id']}/answer",
                             json={"answer": "说明", "version": first["version"] + 1},
                             headers=hall.approvers["market"].headers)
    assert stale.status_code == 409
    done = hall.client.post(f"{NOTICES}/{first['id']}/answer",
                            json={"answer": "说明", "version": first["version"]},
                            headers=hall.approvers["market"].headers)
    assert done.status_code == 200
    twice = hall.client.post(f"{NOTICES}/{first['id']}/answer",
                             json={"answer": "再说明", "version": done.get_json()["version"]},
                             headers=hall.approvers["market"].headers)
    assert twice.status_code == 409
    # Another department cannot answer for market (it does not even see the notice).
    assert hall.client.post(f"{NOTICES}/{first['id']}/answer",
                            json={"answer": "x", "version": 1},
                            headers=hall.approvers["fire"].headers).status_code == 404
    # Answered, market may be asked again.
    assert issue(hall, late_case).status_code == 201


def test_a_concluded_case_needs_no_notice(hall):
    case = hall.submitted()
    hall.decided(hall.task(case, "market"), "reject", comment="不符合条件")
    refused = issue(hall, case, department="market")
    assert refused.status_code == 409


def test_the_openapi_document_describes_the_notices(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths[NOTICES])
    assert "post" in paths[NOTICES + "/{notice_id}/answer"]
    assert "get" in paths["/api/v1/supervision/unattended"]
