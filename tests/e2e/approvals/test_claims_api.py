"""Who works a pending task (issue 21, item 8) over HTTP on both backends: the
department's pool and each approver's own tasks, claim and release with optimistic
versions and audit records, reassignment refused in plain words, the worst step's card
on the case; bad input a 4xx that writes nothing."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from hub.approvals.models import ApprovalTask
from hub.audit.models import AuditRecord
from tests.e2e.approvals.conftest import lasting


def audit_count(session):
    return session.scalar(select(func.count()).select_from(AuditRecord))


def listed(hall, who, assignee):
    response = hall.client.get(f"/api/v1/tasks?assignee={assignee}", headers=who.headers)
    assert response.status_code == 200, response.json
    return [t["application_number"] for t in response.json["items"]]


def post(hall, who, task, verb, **body):
    return hall.client.post(f"/api/v1/tasks/{task['id']}/{verb}", headers=who.headers,
                            json=body)


def test_claim_moves_a_task_from_the_pool_to_mine_and_release_back(hall, session):
    case = hall.submitted()
    li, wu = hall.approvers["market"], lasting(hall.people, hall.people.approver("market"))
    assert listed(hall, li, "none") == [case["number"]] and listed(hall, li, "me") == []
    task = hall.task(case, "market")
    claimed = post(hall, li, task, "claim", version=task["version"])
    assert claimed.status_code == 200, claimed.json
    assert claimed.json["assignee"] == li.username and claimed.json["version"] == 2
    assert listed(hall, li, "me") == [case["number"]] and listed(hall, li, "none") == []
    assert listed(hall, wu, "me") == []
    # A second claim by the holder changes nothing; another's is refused, saying by whom.
    assert post(hall, li, claimed.json, "claim", version=2).json["version"] == 2
    taken = post(hall, wu, claimed.json, "claim", version=2)
    assert taken.status_code == 409 and li.username in taken.json["detail"]
    # Only the holder (or a chief) gives it back.
    assert post(hall, wu, claimed.json, "release", version=2).status_code == 403
    released = post(hall, li, claimed.json, "release", version=2)
    assert released.status_code == 200 and released.json["assignee"] is None
    assert released.json["version"] == 3
    actions = [h["action"] for h in hall.get(case["id"])["history"]]
    assert actions.count("task.claimed") == 1 and actions.count("task.released") == 1


def test_a_stale_version_or_a_decided_task_is_a_409_that_writes_nothing(hall, session):
    case = hall.submitted()
    li, wu = hall.approvers["market"], lasting(hall.people, hall.people.approver("market"))
    task = hall.task(case, "market")
    assert post(hall, li, task, "claim", version=1).status_code == 200
    assert post(hall, li, task, "release", version=2).status_code == 200
    before = audit_count(session)
    stale = post(hall, wu, task, "claim", version=1)  # the page wu had open
    assert stale.status_code == 409 and "当前版本 3" in stale.json["detail"]
    assert audit_count(session) == before
    hall.decided({**task, "version": 3})
    after_decision = audit_count(session)
    decided = post(hall, wu, task, "claim", version=4)
    assert decided.status_code == 409 and "已有决定" in decided.json["detail"]
    assert audit_count(session) == after_decision
    assert session.scalars(select(ApprovalTask.assignee)).first() is None


@pytest.mark.parametrize("body, status", [
    ({}, 422), ({"version": "2"}, 422), ({"version": 0}, 422), ({"version": 2, "x": 1}, 422)])
def test_bad_input_is_refused_and_nothing_is_written(hall, session, body, status):
    case = hall.submitted()
    before = audit_count(session)
    response = post(hall, hall.approvers["market"], hall.task(case, "market"), "claim", **body)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert audit_count(session) == before
    assert session.scalars(select(ApprovalTask.assignee)).one() is None


def test_claims_are_for_the_department_and_the_chief_releases_anyones(hall):
    case = hall.submitted()
    task = hall.task(case, "market")
    for outsider in (hall.approvers["fire"], hall.clerk, hall.supervisor):
        assert post(hall, outsider, task, "claim", version=1).status_code == 403
    assert post(hall, hall.approvers["market"], task, "claim", version=1).status_code == 200
    released = post(hall, hall.chiefs["market"], task, "release", version=2)
    assert released.status_code == 200 and released.json["assignee"] is None


def test_only_the_holder_or_a_chief_decides_a_claimed_task(hall):
    case = hall.submitted()
    task = hall.task(case, "market")
    li = hall.approvers["market"]
    wu = lasting(hall.people, hall.people.approver("market"))
    assert post(hall, li, task, "claim", version=1).status_code == 200
    refused = hall.decide({**task, "version": 2}, who=wu)
    assert refused.status_code == 403 and li.username in refused.json["detail"]
    assert hall.decide({**task, "version": 2}, who=hall.chiefs["market"]).status_code == 200


def test_reassignment_errors_are_plain_words(hall, people):
    case = hall.submitted()
    task = hall.task(case, "market")
    left = people.approver("market", status="left")
    clerk = people.clerk()
    chief = hall.chiefs["market"]
    url = f"/api/v1/tasks/{task['id']}/assign"
    for body, words in [
        ({"assignee": "nobody"}, "没有登录名为 nobody 的工作人员"),
        ({"assignee": left.username}, f"{left.user.display_name}（{left.username}）已离岗"),
        ({"assignee": hall.approvers["fire"].username}, "不是本部门的工作人员"),
        ({"assignee": clerk.username}, "不是本部门的工作人员"),
        ({"assignee": hall.approvers["market"].username, "version": 7}, "当前版本 1"),
    ]:
        response = hall.client.post(url, json=body, headers=chief.headers)
        assert response.status_code in (409, 422), response.json
        # What a person reads: the field's message (a 422), or the conflict's detail.
        errors = response.json.get("errors") or {}
        text = "".join(errors.get("assignee", [])) if errors else response.json["detail"]
        assert words in text, text
        assert not any(c.isascii() and c.isalpha() for c in text.replace(
            body["assignee"], "")), text


def test_a_late_step_makes_the_case_red_in_its_worst_card(hall, frozen_clock):
    case = hall.submitted()
    # Market has 3 working days; the case 10: on Monday of the week after, market is late.
    frozen_clock.advance(dt.timedelta(days=7))
    now = hall.get(case["id"])
    assert now["warning"] is None and hall.task(now, "market")["warning"] == "red"
    assert now["worst_warning"] == "red"
