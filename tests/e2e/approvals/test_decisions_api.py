"""Deciding, withdrawing, resubmitting and reassigning over HTTP, on SQLite and
PostgreSQL: the walks of API.md, concurrency included."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

from sqlalchemy import func, select

from hub.approvals.models import Application, ApprovalTask, Notification
from hub.audit.models import AuditRecord
from hub.outbox.models import OutboxMessage, ProcessedMessage
from tests.e2e.approvals.conftest import Hall


def actions(hall: Hall, application_id: str) -> list[str]:
    return [h["action"] for h in hall.get(application_id)["history"]]


def test_all_stages_approved_issue_one_result(hall, session, frozen_clock):
    case = hall.submitted()
    frozen_clock.advance(dt.timedelta(days=1))
    result = hall.decided(hall.task(case, "market"))
    assert result["task"]["status"] == "approved" and result["task"]["version"] == 2
    assert result["task"]["decided_by"] == hall.approvers["market"].username
    assert result["task"]["decided_at"] == "2026-12-01T09:00:00+08:00"
    case = result["application"]
    assert case["stage"] == 2 and case["status"] == "in_review"
    stage2 = [t for t in case["tasks"] if t["stage"] == 2]
    assert sorted(t["department"] for t in stage2) == ["environment", "fire", "food"]
    # Opened Tuesday 1 December with 5 working days: due Tuesday 8 December.
    assert {t["due_at"] for t in stage2} == {"2026-12-08T23:59:59+08:00"}
    case = hall.approve_stage(case, 2)
    assert case["status"] == "approved"
    assert case["result"] == {"number": "BINHE-2026-R000001",
                              "issued_at": "2026-12-01T09:00:00+08:00"}
    assert case["concluded_at"] == "2026-12-01T09:00:00+08:00"
    assert actions(hall, case["id"]) == [
        "application.submitted", "task.approved", "application.stage_opened",
        "task.approved", "task.approved", "task.approved", "application.approved"]
    # Everything belonging to the case is audited with the case as its target.
    targets = set(session.scalars(select(AuditRecord.target_id).where(
        AuditRecord.action.like("task.%"))))
    assert targets == {case["id"]}
    # The outbox delivered every message, once each, to the notification consumer.
    statuses = session.scalars(select(OutboxMessage.status)).all()
    assert statuses and set(statuses) == {"sent"}
    assert session.scalar(select(func.count()).select_from(ProcessedMessage)) == len(statuses)
    kinds = sorted(session.scalars(select(Notification.kind)))
    assert kinds == ["concluded", "task_opened", "task_opened", "task_opened", "task_opened"]


def test_notifications_reach_the_department_and_the_window(hall):
    case = hall.submitted()
    market = hall.client.get("/api/v1/notifications", headers=hall.approvers["market"].headers)
    [note] = market.json["items"]
    assert note["kind"] == "task_opened" and note["department"] == "market"
    assert case["number"] in note["text"] and "12 月 3 日" in note["text"]
    assert hall.client.get("/api/v1/notifications",
                           headers=hall.approvers["fire"].headers).json["items"] == []
    hall.decided(hall.task(case, "market"), "reject", comment="经营场所不符合要求")
    [concluded] = hall.client.get("/api/v1/notifications",
                                  headers=hall.clerk.headers).json["items"]
    assert concluded["kind"] == "concluded" and "不予许可" in concluded["text"]
    assert hall.client.get("/api/v1/notifications",
                           headers=hall.admin.headers).status_code == 403


def test_any_stage_passes_on_one_approval_and_cancels_the_others(hall):
    case = hall.submitted(service_item="fire-check")
    assert sorted(t["department"] for t in case["tasks"]) == ["environment", "fire"]
    result = hall.decided(hall.task(case, "environment"))["application"]
    assert hall.task(result, "fire")["status"] == "cancelled"
    assert result["stage"] == 2 and hall.task(result, "market")["status"] == "pending"
    late = hall.decide(hall.task(case, "fire"))
    assert late.status_code == 409


def test_a_rejection_concludes_and_needs_a_comment(hall, session):
    case = hall.approve_stage(hall.submitted(), 1)
    fire = hall.task(case, "fire")
    no_comment = hall.decide(fire, "reject")
    assert no_comment.status_code == 422 and "comment" in no_comment.json["errors"]
    blank = hall.decide(fire, "reject", comment="   ")
    assert blank.status_code == 422
    result = hall.decided(fire, "reject", comment="疏散通道宽度不足")
    case = result["application"]
    assert case["status"] == "rejected" and case["result"] is None and case["concluded_at"]
    assert {t["department"]: t["status"] for t in case["tasks"] if t["stage"] == 2} == {
        "fire": "rejected", "food": "cancelled", "environment": "cancelled"}
    assert result["task"]["comment"] == "疏散通道宽度不足"
    assert hall.decide(hall.task(case, "food")).status_code == 409
    assert session.scalar(select(func.count()).select_from(ApprovalTask).where(
        ApprovalTask.status == "pending")) == 0


def test_stale_and_repeated_decisions_are_conflicts(hall):
    case = hall.submitted()
    market = hall.task(case, "market")
    stale = hall.decide(market, version=market["version"] + 1)
    assert stale.status_code == 409 and stale.json["current_version"] == 1
    assert hall.decided(market)["task"]["version"] == 2
    again = hall.decide(market)
    assert again.status_code == 409 and "已有决定" in again.json["detail"]
    newer = hall.decide(market, version=2)
    assert newer.status_code == 409


def test_six_threads_deciding_one_task_exactly_one_wins(hall, app, session):
    case = hall.submitted()
    market = hall.task(case, "market")
    barrier, results = threading.Barrier(6), []
    people = [hall.approvers["market"]] * 3 + [hall.chiefs["market"]] * 3
    decisions = ["approve", "reject", "request_supplement"] * 2

    def decide(person, decision) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/tasks/{market['id']}/decision", json={
            "decision": decision, "comment": "并发", "version": market["version"]},
            headers=person.headers)
        results.append(response.status_code)

    threads = [threading.Thread(target=decide, args=pair) for pair in zip(people, decisions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [200, 409, 409, 409, 409, 409]
    row = session.scalars(select(ApprovalTask).where(
        ApprovalTask.id == uuid.UUID(market["id"]))).one()
    assert row.version == 2 and row.status in ("approved", "rejected", "supplement_requested")
    decided = session.scalars(select(AuditRecord.action).where(
        AuditRecord.action.in_(["task.approved", "task.rejected",
                                "task.supplement_requested"]))).all()
    assert len(decided) == 1


def test_sibling_decisions_at_once_conclude_once(hall, app, session):
    case = hall.approve_stage(hall.submitted(), 1)
    stage2 = [t for t in case["tasks"] if t["stage"] == 2]
    barrier, results = threading.Barrier(len(stage2)), []

    def decide(task) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/tasks/{task['id']}/decision",
                               json={"decision": "approve", "version": task["version"]},
                               headers=hall.approvers[task["department"]].headers)
        results.append((response.status_code, response.json["application"]["status"]))

    threads = [threading.Thread(target=decide, args=(t,)) for t in stage2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [(200, "approved"), (200, "in_review"), (200, "in_review")]
    row = session.get(Application, uuid.UUID(case["id"]))
    assert row.status == "approved" and row.result_number == "BINHE-2026-R000001"
    assert session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "application.approved")) == 1


def test_supplement_pauses_the_clock_until_resubmission(hall, frozen_clock):
    case = hall.approve_stage(hall.submitted(), 1)
    food, fire = hall.task(case, "food"), hall.task(case, "fire")
    hall.decided(food)
    asked = hall.decided(fire, "request_supplement", comment="请补充消防疏散平面图")
    case = asked["application"]
    assert case["status"] == "supplement_requested" and case["paused"] is True
    assert case["warning"] is None
    assert hall.client.post(f"/api/v1/applications/{case['id']}/resubmit", json={
        "form": {"shop_name": "老边饺子馆"}}, headers=hall.approvers["fire"].headers
    ).status_code == 403
    # Paused Monday 30 November, resubmitted Thursday 3 December: 1, 2 and 3 December
    # do not count; every open due date moves three working days later.
    frozen_clock.advance(dt.timedelta(days=3))
    bad = hall.client.post(f"/api/v1/applications/{case['id']}/resubmit",
                           json={"form": {"shop_name": ""}}, headers=hall.clerk.headers)
    assert bad.status_code == 422 and "form.shop_name" in bad.json["errors"]
    response = hall.client.post(f"/api/v1/applications/{case['id']}/resubmit",
                                json={"form": {"shop_name": "老边饺子馆（中街店）"}},
                                headers=hall.clerk.headers)
    assert response.status_code == 200
    case = response.json
    assert case["status"] == "in_review" and case["paused_working_days"] == 3
    assert case["due_at"] == "2026-12-17T23:59:59+08:00"  # was 14 December
    assert case["form"] == {"shop_name": "老边饺子馆（中街店）"}
    assert hall.task(case, "fire")["status"] == "pending"
    assert hall.task(case, "food")["status"] == "approved"  # decisions made stand
    assert hall.task(case, "environment")["due_at"] == "2026-12-10T23:59:59+08:00"  # was 7th
    assert hall.task(case, "fire")["paused_working_days"] == 3
    again = hall.client.post(f"/api/v1/applications/{case['id']}/resubmit",
                             json={"form": {"shop_name": "x"}}, headers=hall.clerk.headers)
    assert again.status_code == 409
    case = hall.approve_stage(case, 2)
    assert case["status"] == "approved"
    history = hall.get(case["id"])["history"]
    resubmitted = next(h for h in history if h["action"] == "application.resubmitted")
    assert resubmitted["after"]["form_after"] == {"shop_name": "老边饺子馆（中街店）"}


def test_withdrawal_cancels_open_tasks_and_is_final(hall):
    case = hall.approve_stage(hall.submitted(), 1)
    url = f"/api/v1/applications/{case['id']}/withdraw"
    assert hall.client.post(url, json={}, headers=hall.clerk.headers).status_code == 422
    assert hall.client.post(url, json={"reason": "x"},
                            headers=hall.approvers["food"].headers).status_code == 403
    assert hall.client.post(url, json={"reason": "x"},
                            headers=hall.supervisor.headers).status_code == 403
    daxi = hall.people.clerk(center="daxi")
    assert hall.client.post(url, json={"reason": "x"}, headers=daxi.headers).status_code == 404
    response = hall.client.post(url, json={"reason": "申请人不再开店"}, headers=hall.clerk.headers)
    assert response.status_code == 200
    case = response.json
    assert case["status"] == "withdrawn" and case["status_reason"] == "申请人不再开店"
    assert {t["status"] for t in case["tasks"] if t["stage"] == 2} == {"cancelled"}
    assert hall.client.post(url, json={"reason": "again"},
                            headers=hall.clerk.headers).status_code == 409
    assert hall.decide(hall.task(case, "food")).status_code == 409


def test_who_may_decide(hall):
    case = hall.submitted()
    market = hall.task(case, "market")
    for who in (hall.approvers["fire"], hall.chiefs["fire"], hall.supervisor, hall.clerk,
                hall.admin):
        assert hall.decide(market, who=who).status_code == 403, who.user.roles
    assert hall.decide({**market, "id": str(uuid.uuid4())}).status_code == 404
    on_behalf = hall.decided(market, who=hall.chiefs["market"])
    assert on_behalf["task"]["decided_by"] == hall.chiefs["market"].username


def test_queue_is_the_departments_most_urgent_first(hall, frozen_clock):
    first = hall.submitted()
    frozen_clock.advance(dt.timedelta(days=2))
    second = hall.submitted(service_item="fire-check")
    frozen_clock.advance(dt.timedelta(hours=1))
    third = hall.submitted()
    market = hall.client.get("/api/v1/tasks", headers=hall.approvers["market"].headers)
    assert market.status_code == 200
    items = market.json["items"]
    assert [t["application_id"] for t in items] == [first["id"], third["id"]]
    assert items[0]["due_at"] <= items[1]["due_at"]
    assert items[0]["application_number"] == first["number"] and items[0]["center"] == "binhe"
    fire = hall.client.get("/api/v1/tasks", headers=hall.chiefs["fire"].headers).json["items"]
    assert [t["application_id"] for t in fire] == [second["id"]]
    everything = hall.client.get("/api/v1/tasks", headers=hall.supervisor.headers).json["items"]
    assert len(everything) == 4
    assert [t["due_at"] for t in everything] == sorted(t["due_at"] for t in everything)
    only_env = hall.client.get("/api/v1/tasks?department=environment",
                               headers=hall.supervisor.headers).json["items"]
    assert [t["department"] for t in only_env] == ["environment"]
    assert hall.client.get("/api/v1/tasks?department=fire",
                           headers=hall.approvers["market"].headers).status_code == 403
    assert hall.client.get("/api/v1/tasks", headers=hall.clerk.headers).status_code == 403
    hall.decided(hall.task(first, "market"))
    done = hall.client.get("/api/v1/tasks?status=approved",
                           headers=hall.approvers["market"].headers).json["items"]
    assert [t["application_id"] for t in done] == [first["id"]]


def test_a_chief_reassigns_a_pending_task(hall):
    case = hall.submitted()
    market = hall.task(case, "market")
    second = hall.people.approver("market")
    url = f"/api/v1/tasks/{market['id']}/assign"
    assert hall.client.post(url, json={"assignee": second.username},
                            headers=hall.approvers["market"].headers).status_code == 403
    assert hall.client.post(url, json={"assignee": second.username},
                            headers=hall.chiefs["fire"].headers).status_code == 403
    wrong = hall.client.post(url, json={"assignee": hall.approvers["fire"].username},
                             headers=hall.chiefs["market"].headers)
    assert wrong.status_code == 422 and "assignee" in wrong.json["errors"]
    response = hall.client.post(url, json={"assignee": second.username},
                                headers=hall.chiefs["market"].headers)
    assert response.status_code == 200
    task = response.json
    assert task["assignee"] == second.username and task["version"] == 2
    assert hall.decide(task, who=hall.approvers["market"]).status_code == 403
    assert hall.decided(task, who=second)["task"]["decided_by"] == second.username
    assert hall.client.post(url, json={"assignee": second.username},
                            headers=hall.chiefs["market"].headers).status_code == 409
    assert "task.assigned" in actions(hall, case["id"])


def test_decisions_on_cases_synced_from_a_center_are_refused(hall, session):
    case = hall.submitted()
    row = session.get(Application, uuid.UUID(case["id"]))
    row.routing = None  # what a synced case looks like: no routing kept in the hub
    session.commit()
    response = hall.decide(hall.task(case, "market"))
    assert response.status_code == 409
