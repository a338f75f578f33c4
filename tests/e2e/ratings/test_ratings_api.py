"""Ratings (好差评) over HTTP, on SQLite and PostgreSQL: once per case or ticket with its
receipt code, bad ones open a rectification, appeals decided by a supervisor, who lists
which ratings."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from hub.audit.models import AuditRecord
from hub.ratings.models import Rating
from hub.tickets.models import Ticket
from tests.e2e.ratings.conftest import concluded, rate


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_concluded_case_is_rated_once(hall, session):
    case = concluded(hall)
    number, code = case["number"], case["receipt_code"]
    view = hall.client.get(f"/api/v1/public/progress/{number}", query_string={"code": code})
    assert view.json["rateable"] is True
    rated = rate(hall.client, number, code, 5, "窗口服务热情，一次办成")
    assert rated.status_code == 201
    assert rated.json["number"] == number and rated.json["level"] == 5
    assert rated.json["rated_at"] == "2026-11-30T09:00:00+08:00"
    again = rate(hall.client, number, code, 1)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert _count(session, Rating) == 1 and _count(session, Ticket) == 0
    view = hall.client.get(f"/api/v1/public/progress/{number}", query_string={"code": code})
    assert view.json["rateable"] is False
    record = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "rating.received")).one()
    assert (record.target_type, record.target_id) == ("application", case["id"])


def test_a_wrong_code_is_an_unknown_number_and_an_open_case_cannot_be_rated(hall, session):
    case = concluded(hall)
    wrong = rate(hall.client, case["number"], "WRONGCDE", 5)
    unknown = rate(hall.client, "BINHE-20261130-9999", case["receipt_code"], 5)
    assert wrong.status_code == unknown.status_code == 404
    assert {k: v for k, v in wrong.json.items() if k != "request_id"} == \
        {k: v for k, v in unknown.json.items() if k != "request_id"}
    open_case = hall.submitted()
    refused = rate(hall.client, open_case["number"], open_case["receipt_code"], 4)
    assert refused.status_code == 409
    assert _count(session, Rating) == 0


def test_bad_input_is_refused_and_writes_nothing(hall, session):
    case = concluded(hall)
    for body in ({"number": case["number"], "code": case["receipt_code"], "level": 0},
                 {"number": case["number"], "code": case["receipt_code"], "level": 6},
                 {"number": case["number"], "code": case["receipt_code"], "level": "5"},
                 {"number": case["number"], "code": case["receipt_code"]},
                 {"number": case["number"], "level": 5},
                 {"number": case["number"], "code": case["receipt_code"], "level": 5,
                  "comment": "很" * 1001},
                 {"number": "x" * 65, "code": "x", "level": 5}):
        response = hall.client.post("/api/v1/public/ratings", json=body)
        assert response.status_code == 422, (body, response.json)
    assert hall.client.post("/api/v1/public/ratings", data="{",
                            content_type="application/json").status_code == 400
    assert _count(session, Rating) == 0 and _count(session, AuditRecord.__table__) > 0
    assert session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action.like("rating.%"))) == 0


def test_a_bad_rating_opens_a_rectification_for_the_center_and_department(hall, cc, session):
    case = concluded(hall, "reject")
    rated = rate(hall.client, case["number"], case["receipt_code"], 1, "等了很久，态度也不好")
    assert rated.status_code == 201
    rating = session.scalars(select(Rating)).one()
    assert (rating.center_code, rating.department_code) == ("binhe", "market")
    assert rating.rater_masked == "张**"
    fix = session.get(Ticket, rating.rectification_ticket_id)
    assert (fix.kind, fix.channel, fix.center_code, fix.department_code) == \
        ("rectification", "rating", "binhe", "market")
    assert fix.owner == "clerk.binhe"  # no hall chief at binhe: its first clerk
    assert fix.content == "等了很久，态度也不好" and case["number"] in fix.subject
    assert fix.caller_phone_masked == "138****5678"  # the applicant's, for the follow-up
    # Fifteen working days (the policy's) after Monday 30 November.
    assert fix.due_at.isoformat() == "2026-12-21T15:59:59+00:00"
    ticket = cc.get(str(fix.id), cc.clerk).json
    assert ticket["status"] == "open" and ticket["owner"] == "clerk.binhe"
    # Its closing says what was done and how the follow-up went.
    answered = cc.acted(ticket, "reply", cc.clerk, content="已约谈窗口人员，重新培训服务规范")
    assert cc.act(answered, "close", cc.clerk, outcome="satisfied").status_code == 422
    closed = cc.acted(answered, "close", cc.clerk, outcome="satisfied",
                      note="回访申请人：对整改表示认可")
    assert closed["status"] == "closed"
    listed = hall.client.get("/api/v1/ratings", headers=hall.supervisor.headers).json["items"]
    assert listed[0]["rectification"]["status"] == "closed"
    # A rectification itself is not for rating.
    assert rate(hall.client, fix.number, "ANYCODE1", 5).status_code == 404


def test_an_answered_ticket_is_rated_and_an_open_one_is_not(cc, answered, session):
    opened = cc.received()
    assert rate(cc.client, opened["number"], opened["receipt_code"], 5).status_code == 409
    rated = rate(cc.client, answered["number"], answered["receipt_code"], 2, "答复敷衍")
    assert rated.status_code == 201
    rating = session.scalars(select(Rating)).one()
    assert rating.ticket_id == uuid.UUID(answered["id"]) and rating.department_code == "market"
    fix = session.get(Ticket, rating.rectification_ticket_id)
    assert fix.caller_phone_masked == "139****5678" and fix.caller_name == "赵六"


def test_who_lists_which_ratings(hall, cc, session):
    case = concluded(hall)
    rate(hall.client, case["number"], case["receipt_code"], 3)

    def listed(who, **query):
        response = hall.client.get("/api/v1/ratings", query_string=query, headers=who.headers)
        return response.status_code, [r["number"] for r in response.json.get("items", [])]

    assert listed(hall.supervisor) == (200, [case["number"]])
    assert listed(hall.admin) == (200, [case["number"]])
    assert listed(cc.clerk) == (200, [case["number"]])
    assert listed(hall.chiefs["market"]) == (200, [])  # the district's chief: its own center
    assert listed(hall.chiefs["market"], center="binhe")[0] == 403
    assert listed(cc.other)[0] == 403  # operators are not in the list's audience
    assert listed(hall.approvers["market"])[0] == 403
    assert listed(hall.supervisor, level=3) == (200, [case["number"]])
    assert listed(hall.supervisor, level=5) == (200, [])
    assert listed(hall.supervisor, **{"from": "2026-12-01"}) == (200, [])
    item = hall.client.get("/api/v1/ratings", headers=hall.supervisor.headers).json["items"][0]
    assert item["rater"] == "张**" and item["level_label"] == "基本满意"
    assert "张三丰" not in str(item)


def test_an_appeal_is_decided_by_a_supervisor_and_audited(hall, cc, session):
    case = concluded(hall)
    rate(hall.client, case["number"], case["receipt_code"], 1, "乱写的")
    rating_id = session.scalars(select(Rating.id)).one()
    url = f"/api/v1/ratings/{rating_id}/appeal"
    assert hall.client.post(url, json={"reason": "x"},
                            headers=hall.supervisor.headers).status_code == 403
    assert hall.client.post(url, json={"reason": "x"},
                            headers=hall.people.clerk(center="daxi").headers).status_code == 404
    assert hall.client.post(url, json={}, headers=cc.clerk.headers).status_code == 422
    appealed = hall.client.post(url, json={"reason": "评价人并非申请人，系恶意评价"},
                                headers=cc.clerk.headers)
    assert appealed.status_code == 200 and appealed.json["appeal"]["status"] == "pending"
    assert hall.client.post(url, json={"reason": "再申诉"},
                            headers=cc.clerk.headers).status_code == 409
    decide = f"{url}/decision"
    assert hall.client.post(decide, json={"decision": "exclude", "comment": "x"},
                            headers=cc.clerk.headers).status_code == 403
    assert hall.client.post(decide, json={"decision": "drop", "comment": "x"},
                            headers=hall.supervisor.headers).status_code == 422
    stale = hall.client.post(decide, json={"decision": "exclude", "comment": "核实属实",
                                           "version": 1}, headers=hall.supervisor.headers)
    assert stale.status_code == 409
    decided = hall.client.post(decide, json={"decision": "exclude", "comment": "核实属实"},
                               headers=hall.supervisor.headers)
    assert decided.status_code == 200
    assert decided.json["excluded"] is True and decided.json["appeal"]["status"] == "excluded"
    assert hall.client.post(decide, json={"decision": "keep", "comment": "x"},
                            headers=hall.supervisor.headers).status_code == 409
    actions = [r.action for r in session.scalars(select(AuditRecord).where(
        AuditRecord.target_id == case["id"]).order_by(AuditRecord.id))]
    assert actions[-3:] == ["rating.received", "rating.appealed", "rating.appeal_excluded"]
    pending = hall.client.get("/api/v1/ratings", query_string={"appeal": "pending"},
                              headers=hall.supervisor.headers).json["items"]
    assert pending == []


def test_the_public_channels_are_rate_limited(hall):
    case = concluded(hall)
    responses = [rate(hall.client, case["number"], f"WRONG{n:03d}", 5, address="192.0.2.9")
                 for n in range(21)]
    assert [r.status_code for r in responses[:20]] == [404] * 20
    assert responses[20].status_code == 429 and int(responses[20].headers["Retry-After"]) > 0
    # Another address is not held back by that one.
    assert rate(hall.client, case["number"], case["receipt_code"], 4,
                address="192.0.2.10").status_code == 201
