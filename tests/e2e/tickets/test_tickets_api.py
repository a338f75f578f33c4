"""Tickets over HTTP, on SQLite and PostgreSQL: first-inquiry ownership, the walk from a
call to its callback, reopening, versions, idempotent creation, the audit trail with the
ticket as target, the caller's phone encrypted and masked."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from hub.approvals.models import IdempotencyRecord
from hub.audit.models import AuditRecord
from hub.tickets.models import Ticket, TicketReply
from tests.e2e.tickets.conftest import PHONE, later, new_key


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_the_receiver_owns_the_ticket_and_the_caller_is_masked(cc, session):
    response = cc.receive(key=new_key())
    assert response.status_code == 201
    body = response.json
    assert response.headers["Location"] == f"/api/v1/tickets/{body['id']}"
    assert body["number"] == "RX20261130-0001" and body["owner"] == "op.binhe"
    assert (body["kind"], body["channel"], body["center"], body["status"]) == \
        ("complaint", "hotline", "binhe", "open")
    assert body["department"] is None and body["replies"] == []
    # A complaint: ten working days after Monday 30 November.
    assert body["due_at"] == "2026-12-14T23:59:59+08:00" and body["due_at_provisional"] is False
    assert body["caller"] == {"name": "赵*", "phone": "139****5678"}
    assert len(body["receipt_code"]) == 8
    assert [h["action"] for h in body["history"]] == ["ticket.received"]
    row = session.get(Ticket, uuid.UUID(body["id"]))
    assert PHONE not in (row.caller_phone_encrypted or "") and row.caller_phone_hash
    assert body["receipt_code"] not in (row.receipt_code_hash or "")
    for record in session.scalars(select(AuditRecord)):
        assert PHONE not in f"{record.before}{record.after}"
        assert "赵六" not in f"{record.before}{record.after}"
    again = cc.get(body["id"]).json
    assert "receipt_code" not in again and again["caller"]["phone"] == "139****5678"
    assert cc.received()["number"] == "RX20261130-0002"


def test_a_replayed_key_gives_the_same_ticket_and_another_body_is_refused(cc, session):
    key = new_key()
    first = cc.receive(key=key)
    again = cc.receive(key=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    assert again.json["receipt_code"] != first.json["receipt_code"]  # the first is void
    assert _count(session, Ticket) == 1
    other = cc.receive(key=key, subject="另一件事")
    assert other.status_code == 409 and other.mimetype == "application/problem+json"
    assert _count(session, Ticket) == 1 and _count(session, IdempotencyRecord) == 1
    # Keys are unique per center: another center may use the same key.
    assert cc.receive(cc.other, key=key).status_code == 201


def test_the_walk_from_a_call_to_its_callback(cc, session):
    ticket = cc.received()
    assigned = cc.acted(ticket, "assign", department="market", note="请核查处理")
    assert (assigned["status"], assigned["department"]) == ("assigned", "market")
    assert assigned["first_action_at"] == "2026-11-30T09:00:00+08:00"
    stale = cc.act(assigned, "reply", cc.approvers["market"], content="已处理",
                   version=ticket["version"])
    assert stale.status_code == 409 and stale.json["current_version"] == assigned["version"]
    answered = cc.acted(assigned, "reply", cc.approvers["market"],
                        content="已联系城管中队，明日起清理占道摊点")
    assert answered["status"] == "answered" and answered["answered_at"]
    assert answered["replies"][0]["department"] == "market"
    assert answered["replies"][0]["author"] == "market.approver"
    closed = cc.acted(answered, "close", outcome="satisfied", note="回访：已清理，满意")
    assert (closed["status"], closed["outcome"]) == ("closed", "satisfied")
    assert [h["action"] for h in closed["history"]] == [
        "ticket.received", "ticket.assigned", "ticket.replied", "ticket.closed"]
    records = session.scalars(select(AuditRecord).where(
        AuditRecord.action.like("ticket.%"))).all()
    assert {r.target_type for r in records} == {"ticket"}
    assert {r.target_id for r in records} == {ticket["id"]}
    # Closed is closed.
    assert cc.act(closed, "reply", content="再补充", version=closed["version"]).status_code == 409
    assert cc.act(closed, "assign", department="fire").status_code == 409


def test_unsatisfied_reopens_the_ticket_due_again_from_the_callback(cc, app):
    ticket = cc.received(kind="consultation")  # three working days
    answered = cc.acted(ticket, "reply", content="可到区政务服务中心二楼市场监管窗口办理")
    later(app, days=4)  # Friday 4 December, 09:00
    reopened = cc.acted(answered, "close", outcome="unsatisfied", note="来电人称窗口说法不同")
    assert reopened["status"] == "reopened" and reopened["reopened"] == 1
    assert reopened["due_at"] == "2026-12-09T23:59:59+08:00"  # three working days from Friday
    assert reopened["answered_at"] is None and reopened["warning"] is None
    assert [h["action"] for h in reopened["history"]][-1] == "ticket.reopened"
    assert cc.act(reopened, "close", outcome="satisfied").status_code == 409
    again = cc.acted(reopened, "assign", department="market")
    again = cc.acted(again, "reply", cc.approvers["market"], content="已核实，窗口可办理")
    assert cc.acted(again, "close", outcome="unreachable")["status"] == "closed"


def test_a_ticket_cannot_close_without_an_answer_and_nothing_is_written(cc, session):
    ticket = cc.received()
    before = _count(session, AuditRecord)
    refused = cc.act(ticket, "close", outcome="satisfied")
    assert refused.status_code == 409 and "尚未答复" in refused.json["detail"]
    assert _count(session, AuditRecord) == before
    assert cc.get(ticket["id"]).json["version"] == ticket["version"]


def test_ownership_moves_only_by_a_transfer_with_its_reason(cc, session):
    ticket = cc.received()
    # Another operator of the same center sees it but may not act as its owner.
    assert cc.get(ticket["id"], cc.operator2).status_code == 200
    assert cc.act(ticket, "assign", cc.operator2, department="market").status_code == 403
    assert cc.act(ticket, "transfer", cc.operator2, to_user="op2.binhe",
                  reason="接手").status_code == 403
    assert cc.act(ticket, "transfer", to_user="op2.binhe").status_code == 422  # no reason
    moved = cc.acted(ticket, "transfer", to_user="op2.binhe", reason="交由熟悉该小区的话务员跟进")
    assert moved["owner"] == "op2.binhe" and moved["status"] == "open"
    assert moved["first_action_at"]  # a transfer is a response
    assert moved["history"][-1]["after"]["reason"] == "交由熟悉该小区的话务员跟进"
    assert cc.act(moved, "assign", department="market").status_code == 403  # no longer owner
    assert cc.acted(moved, "assign", cc.operator2, department="market")["owner"] == "op2.binhe"


def test_a_transfer_to_another_center_takes_the_ticket_there(cc):
    ticket = cc.received()
    moved = cc.acted(ticket, "transfer", to_user="op.daxi", reason="属大西街道辖区")
    assert (moved["owner"], moved["center"]) == ("op.daxi", "daxi")
    assert cc.get(ticket["id"], cc.other).status_code == 200
    assert cc.get(ticket["id"], cc.operator2).status_code == 404
    for wrong in ("market.approver", "nobody", "official"):
        assert cc.act(moved, "transfer", cc.other, to_user=wrong,
                      reason="x").status_code == 422, wrong


def test_the_chief_of_its_department_sends_it_on_with_a_note(cc):
    ticket = cc.acted(cc.received(), "assign", department="market")
    assert cc.get(ticket["id"], cc.chiefs["fire"]).status_code == 404
    assert cc.act(ticket, "assign", cc.approvers["market"], department="fire",
                  note="x").status_code == 403
    assert cc.act(ticket, "assign", cc.chiefs["market"], department="fire").status_code == 422
    sent = cc.acted(ticket, "assign", cc.chiefs["market"], department="fire",
                    note="涉及消防通道，属消防救援大队职责")
    assert sent["department"] == "fire" and sent["owner"] == "op.binhe"
    assert cc.get(ticket["id"], cc.chiefs["market"]).status_code == 404
    assert cc.get(ticket["id"], cc.approvers["fire"]).status_code == 200
    assert cc.act(sent, "assign", department="fire").status_code == 422  # already there


def test_who_sees_which_tickets(cc):
    binhe = cc.received()
    daxi = cc.received(cc.other)
    window = cc.received(cc.clerk, channel="walk_in", kind="consultation")
    cc.acted(binhe, "assign", department="market")

    def listed(who, **query):
        response = cc.client.get("/api/v1/tickets", query_string=query, headers=who.headers)
        return response.status_code, {t["number"] for t in response.json.get("items", [])}

    assert listed(cc.operator) == (200, {binhe["number"], window["number"]})
    assert listed(cc.clerk) == (200, {binhe["number"], window["number"]})
    assert listed(cc.other) == (200, {daxi["number"]})
    assert listed(cc.other, center="binhe")[0] == 403
    assert listed(cc.approvers["market"]) == (200, {binhe["number"]})
    assert listed(cc.approvers["fire"]) == (200, set())
    assert listed(cc.approvers["fire"], department="market")[0] == 403
    assert listed(cc.supervisor) == (200, {binhe["number"], daxi["number"], window["number"]})
    assert listed(cc.supervisor, center="daxi") == (200, {daxi["number"]})
    assert listed(cc.admin)[0] == 403
    assert cc.get(daxi["id"]).status_code == 404
    assert cc.get(daxi["id"], cc.supervisor).status_code == 200
    # A supervisor reads and writes nothing.
    assert cc.act(binhe, "reply", cc.supervisor, content="x", version=1).status_code == 403
    assert cc.receive(cc.supervisor, center="binhe").status_code == 403
    # Nobody creates for another center.
    assert cc.receive(cc.operator, center="daxi").status_code == 403
    assert cc.client.get("/api/v1/tickets").status_code == 401


def test_most_urgent_first_and_the_filters(cc, app):
    suggestion = cc.received(kind="suggestion")  # 15 working days
    consultation = cc.received(kind="consultation")  # 3
    complaint = cc.received(kind="complaint")  # 10

    def numbers(**query):
        response = cc.client.get("/api/v1/tickets", query_string=query,
                                 headers=cc.operator.headers)
        assert response.status_code == 200, response.json
        return [t["number"] for t in response.json["items"]]

    assert numbers() == [consultation["number"], complaint["number"], suggestion["number"]]
    assert numbers(kind="suggestion") == [suggestion["number"]]
    assert numbers(overdue="true") == []
    later(app, days=4)  # Friday 4 December: the consultation was due Thursday
    assert numbers(overdue="true") == [consultation["number"]]
    assert numbers(overdue="false") == [complaint["number"], suggestion["number"]]
    listed = cc.client.get("/api/v1/tickets", headers=cc.operator.headers).json["items"]
    assert [t["warning"] for t in listed] == ["red", None, None]
    cc.acted(cc.get(consultation["id"]).json, "reply", content="已答复")
    assert numbers(overdue="true") == [] and numbers(status="answered") == [
        consultation["number"]]
    page = cc.client.get("/api/v1/tickets", query_string={"limit": 2},
                         headers=cc.operator.headers).json
    rest = cc.client.get("/api/v1/tickets", query_string={"cursor": page["next_cursor"]},
                         headers=cc.operator.headers).json
    assert len(page["items"]) == 2 and len(rest["items"]) == 1


def test_the_answer_policy_per_kind(cc, session):
    assert cc.client.get("/api/v1/tickets/policy", headers=cc.approvers["fire"].headers).json \
        == {"consultation": 3, "complaint": 10, "suggestion": 15, "rectification": 15}
    old = cc.received(kind="consultation")
    body = {"consultation": 2, "complaint": 7, "suggestion": 10, "rectification": 5}
    assert cc.client.put("/api/v1/tickets/policy", json=body,
                         headers=cc.operator.headers).status_code == 403
    bad = cc.client.put("/api/v1/tickets/policy", json={**body, "complaint": 0},
                        headers=cc.admin.headers)
    assert bad.status_code == 422 and "complaint" in bad.json["errors"]
    changed = cc.client.put("/api/v1/tickets/policy", json=body, headers=cc.admin.headers)
    assert changed.status_code == 200 and changed.json == body
    assert cc.received(kind="consultation")["due_at"] == "2026-12-02T23:59:59+08:00"
    assert cc.get(old["id"]).json["due_at"] == "2026-12-03T23:59:59+08:00"  # kept its days
    record = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "ticket_policy.changed")).one()
    assert record.before["consultation"] == 3 and record.after["consultation"] == 2


def test_the_caller_unmasked_for_the_callback_is_audited(cc, session):
    ticket = cc.received()
    url = f"/api/v1/tickets/{ticket['id']}/caller"
    assert cc.client.get(url, headers=cc.operator.headers).json == {"name": "赵六", "phone": PHONE}
    assert cc.client.get(url, headers=cc.other.headers).status_code == 404
    cc.acted(ticket, "assign", department="market")
    assert cc.client.get(url, headers=cc.approvers["market"].headers).status_code == 403
    viewed = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "ticket.caller_viewed")).all()
    assert [(r.actor, r.target_id) for r in viewed] == [("op.binhe", ticket["id"])]


def test_a_callers_earlier_tickets_and_cases_by_phone_as_typed(cc, app):
    from tests.e2e.approvals.conftest import ID_NUMBER

    first = cc.received(subject="噪音扰民")
    cc.received(cc.other)  # the same caller at another center: not shown
    cc.received(caller={"name": "钱七", "phone": "13800000000"})
    clerk = cc.clerk
    later(app, minutes=30)
    case = cc.client.post("/api/v1/applications", headers=clerk.headers, json={
        "service_item": "open-restaurant", "center": "binhe",
        "applicant": {"name": "赵六", "id_number": ID_NUMBER, "phone": PHONE},
        "form": {"shop_name": "赵记面馆"}})
    assert case.status_code == 201
    typed = "１３９ 1234 5678"  # full-width digits and spaces, as typed on a phone
    response = cc.client.post("/api/v1/callers/history", json={"phone": typed},
                              headers=cc.operator.headers)
    assert response.status_code == 200
    history = response.json
    assert history["phone"] == "139****5678"
    assert [(i["type"], i["number"]) for i in history["items"]] == [
        ("application", case.json["number"]), ("ticket", first["number"])]
    assert cc.client.post("/api/v1/callers/history", json={"phone": typed},
                          headers=cc.approvers["market"].headers).status_code == 403
    assert cc.client.post("/api/v1/callers/history", json={},
                          headers=cc.operator.headers).status_code == 422


def test_a_service_item_must_exist(cc, session):
    assert cc.received(service_item="open-restaurant")["service_item"] == "open-restaurant"
    refused = cc.receive(service_item="no-such-item")
    assert refused.status_code == 422 and "service_item" in refused.json["errors"]
    assert _count(session, Ticket) == 1


def test_replies_are_kept_in_order(cc, session):
    ticket = cc.acted(cc.received(), "assign", department="market")
    first = cc.acted(ticket, "reply", cc.approvers["market"], content="已受理，正在核查")
    second = cc.acted(first, "reply", cc.chiefs["market"], content="核查完毕，已处理")
    assert [r["content"] for r in second["replies"]] == ["已受理，正在核查", "核查完毕，已处理"]
    assert _count(session, TicketReply) == 2
