"""Requests for government information over HTTP, on SQLite and PostgreSQL: registration
on the statutory clock, the one extension, the one supplement, the answer; who may do
what; bad input refused with a 4xx that writes nothing. The clock is frozen on Monday
30 November 2026, 09:00 in the hall."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from hub.audit.models import AuditRecord
from hub.disclosure.models import DisclosureRequest
from tests.e2e.disclosure.conftest import CONTACT, REQUESTS, state

PROBLEM = "application/problem+json"


def test_a_paper_request_entered_later_keeps_its_date_and_its_limit(office, session):
    shown = office.registered(received_on="2026-11-20")
    # Friday 20 Nov: 23–27 (1–5), 30 Nov–4 Dec (6–10), 7–11 (11–15), 14–18 (16–20).
    assert (shown["due_on"], shown["yellow_on"]) == ("2026-12-18", "2026-12-15")
    assert shown["status"] == "open" and shown["warning"] is None
    assert shown["supplement_by"] == "2026-12-01"  # 7 working days after receipt
    assert shown["number"] == "YSQ-2026-0001"
    assert shown["requester"] == {"kind": "person", "organisation_kind": None, "name": "王**",
                                  "contact": "138****5678"}
    row = session.get(DisclosureRequest, uuid.UUID(shown["id"]))
    assert CONTACT not in row.requester_contact_encrypted
    assert row.requester_contact_masked == "138****5678"
    audit = session.scalars(select(AuditRecord).where(AuditRecord.target_id == shown["id"])).all()
    assert [a.action for a in audit] == ["disclosure.registered"]
    assert CONTACT not in str(audit[0].after)
    detail = office.get(f"{REQUESTS}/{shown['id']}").get_json()
    assert [h["action"] for h in detail["history"]] == ["disclosure.registered"]


def test_operators_register_too_and_organisations_fall_in_their_column(office):
    shown = office.register(office.operator, channel="email", requester={
        "kind": "organisation", "name": "辽宁某律师事务所", "contact": "ｌａｗ＠example.com",
        "organisation_kind": "legal_services"}).get_json()
    assert shown["requester"] == {"kind": "organisation", "organisation_kind": "legal_services",
                                  "name": "辽宁某律师事务所", "contact": "l***@example.com"}
    unnamed = office.registered(requester={"kind": "organisation", "name": "某公司",
                                           "contact": "024-22715678"})
    assert unnamed["requester"]["organisation_kind"] == "other"


def test_the_same_idempotency_key_registers_once(office, session):
    first = office.register(key="paper-0001")
    again = office.register(key="paper-0001")
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    before = state(session)
    other = office.register(key="paper-0001", description="另一份申请")
    assert other.status_code == 409 and other.mimetype == PROBLEM
    assert state(session) == before
    assert len(before["requests"]) == 1


def test_a_supplement_stops_the_clock_and_the_completed_request_starts_it_again(office):
    shown = office.registered(received_on="2026-11-20")
    waiting = office.acted(shown["id"], "supplement", reason="申请内容不明确：请写明所需文件的名称或文号",
                           on="2026-11-27")
    assert waiting["status"] == "supplement_requested" and waiting["due_on"] is None
    assert office.get(REQUESTS).get_json()["items"] == []  # not among the open ones
    listed = office.get(REQUESTS, status="supplement_requested").get_json()["items"]
    assert [r["id"] for r in listed] == [shown["id"]]
    again = office.acted(shown["id"], "resubmit", on="2026-11-30")
    # From Monday 30 Nov: 1–4 Dec (1–4), 7–11 (5–9), 14–18 (10–14), 21–25 (15–19), 28 (20).
    assert again["status"] == "open" and again["due_on"] == "2026-12-28"
    assert again["resubmitted_on"] == "2026-11-30"


def test_a_chief_extends_once_and_a_late_answer_is_late(office):
    shown = office.registered(received_on="2026-10-26")  # due 23 Nov: overdue now
    assert shown["warning"] == "red"
    refused = office.act(shown["id"], "extend", office.chief, reason="需征求第三方意见")
    assert refused.status_code == 422 and "on" in refused.get_json()["errors"]
    extended = office.acted(shown["id"], "extend", office.chief, reason="需征求第三方意见",
                            on="2026-11-23")
    assert extended["extended"] and extended["due_on"] == "2026-12-21"
    assert extended["warning"] is None
    answered = office.acted(shown["id"], "answer", outcome="partly_disclosed",
                            answered_on="2026-11-30")
    assert answered["status"] == "answered" and answered["on_time"] is True
    late = office.registered(received_on="2026-10-26")
    answered = office.acted(late["id"], "answer", office.chief, outcome="unavailable",
                            reason="not_held", answered_on="2026-11-30")
    assert answered["on_time"] is False and answered["reason"] == "not_held"


def test_the_list_is_most_urgent_first_with_its_cards(office):
    calm = office.registered(received_on="2026-11-20")["id"]  # due 18 Dec
    red = office.registered(received_on="2026-10-26")["id"]  # due 23 Nov
    yellow = office.registered(received_on="2026-11-02")["id"]  # due 30 Nov: today
    items = office.get(REQUESTS).get_json()["items"]
    assert [(r["id"], r["warning"]) for r in items] == [(red, "red"), (yellow, "yellow"),
                                                         (calm, None)]
    assert [r["id"] for r in office.get(REQUESTS, warning="yellow").get_json()["items"]] == [yellow]
    first = office.get(REQUESTS, limit=2).get_json()
    rest = office.get(REQUESTS, limit=2, cursor=first["next_cursor"]).get_json()
    assert [r["id"] for r in first["items"] + rest["items"]] == [red, yellow, calm]


def test_who_may_do_what(office, people):
    approver = people.approver("market")
    for who, status in ((office.clerk, 201), (office.operator, 201), (office.chief, 403),
                        (approver, 403), (office.supervisor, 403), (office.admin, 403)):
        assert office.register(who).status_code == status, who.user.roles
    assert office.client.post(REQUESTS, json={}).status_code == 401
    request_id = office.registered()["id"]
    item = f"{REQUESTS}/{request_id}"
    # Another center's clerk does not even learn it exists; officials read everything.
    assert office.get(item, office.street_clerk).status_code == 404
    assert office.get(item, office.supervisor).status_code == 200
    assert office.get(REQUESTS, office.street_clerk).get_json()["items"] == []
    assert len(office.get(REQUESTS, office.admin).get_json()["items"]) == 3
    for who, status in ((office.clerk, 403), (office.operator, 403), (office.supervisor, 403)):
        assert office.act(request_id, "extend", who, reason="x").status_code == status
    assert office.act(request_id, "supplement", office.operator, reason="x").status_code == 403
    assert office.act(request_id, "supplement", office.street_clerk,
                      reason="x").status_code == 404
    assert office.act(request_id, "answer", office.operator, outcome="disclosed",
                      answered_on="2026-11-30").status_code == 403
    assert office.act(request_id, "answer", office.supervisor, outcome="disclosed",
                      answered_on="2026-11-30").status_code == 403
    assert office.acted(request_id, "extend", office.admin, reason="征求第三方意见")["extended"]
    for who in (office.clerk, office.supervisor, approver):
        assert office.get("/api/v1/disclosure/outcomes", who).status_code == 200
    for who, status in ((office.clerk, 403), (office.operator, 403), (office.chief, 403),
                        (office.supervisor, 200), (office.admin, 200)):
        assert office.get("/api/v1/disclosure/report/2025", who).status_code == status


def test_the_requester_in_clear_is_for_the_center_and_audited(office, session):
    request_id = office.registered()["id"]
    clear = office.get(f"{REQUESTS}/{request_id}/requester")
    assert clear.get_json() == {"name": "王小明", "contact": CONTACT}
    assert office.get(f"{REQUESTS}/{request_id}/requester", office.supervisor).status_code == 403
    assert office.get(f"{REQUESTS}/{request_id}/requester",
                      office.street_clerk).status_code == 404
    actions = session.scalars(select(AuditRecord.action)
                              .where(AuditRecord.target_id == request_id)).all()
    assert actions == ["disclosure.registered", "disclosure.requester_viewed"]


def test_the_outcomes_are_the_forms(office):
    outcomes = office.get("/api/v1/disclosure/outcomes").get_json()
    assert [(o["outcome"], o["label"], len(o["reasons"])) for o in outcomes] == [
        ("disclosed", "予以公开", 0), ("partly_disclosed", "部分公开", 0),
        ("withheld", "不予公开", 8), ("unavailable", "无法提供", 3),
        ("not_processed", "不予处理", 5), ("other", "其他处理", 3)]
    withheld = outcomes[2]["reasons"]
    assert withheld[2] == {"code": "three_securities", "label": "3.危及“三安全一稳定”"}


def _open(office):
    return office.registered(received_on="2026-11-20")["id"]


def _answered(office):
    request_id = _open(office)
    office.acted(request_id, "answer", outcome="disclosed", answered_on="2026-11-27")
    return request_id


def _extended(office):
    request_id = _open(office)
    office.acted(request_id, "extend", office.chief, reason="征求第三方意见")
    return request_id


def _old(office):
    return office.registered(received_on="2026-11-06")["id"]  # 7 working days: 17 Nov


def _waiting(office):
    request_id = _open(office)
    office.acted(request_id, "supplement", reason="不明确", on="2026-11-23")
    return request_id


BAD = [
    # (name, the request's state, step, body, status, field)
    ("future receipt date", None, None, {"received_on": "2026-12-01"}, 422, "received_on"),
    ("receipt before the Regulation", None, None, {"received_on": "2008-04-30"}, 422,
     "received_on"),
    ("not a date", None, None, {"received_on": "2026-02-30"}, 422, "received_on"),
    ("unknown channel", None, None, {"channel": "pigeon"}, 422, "channel"),
    ("blank description", None, None, {"description": "   "}, 422, "description"),
    ("control characters", None, None, {"description": "申请\x00公开"}, 422, "description"),
    ("organisation kind of a person", None, None,
     {"requester": {"kind": "person", "name": "王", "contact": CONTACT,
                    "organisation_kind": "commercial"}}, 422, "requester.organisation_kind"),
    ("answer before receipt", _open, "answer",
     {"outcome": "disclosed", "answered_on": "2026-11-19"}, 422, "answered_on"),
    ("answer in the future", _open, "answer",
     {"outcome": "disclosed", "answered_on": "2026-12-01"}, 422, "answered_on"),
    ("reason missing where the form needs one", _open, "answer",
     {"outcome": "withheld", "answered_on": "2026-11-27"}, 422, "reason"),
    ("reason of another outcome", _open, "answer",
     {"outcome": "withheld", "reason": "not_held", "answered_on": "2026-11-27"}, 422, "reason"),
    ("reason where none is asked", _open, "answer",
     {"outcome": "disclosed", "reason": "state_secret", "answered_on": "2026-11-27"}, 422,
     "reason"),
    ("never completed, though never asked", _open, "answer",
     {"outcome": "other", "reason": "no_supplement", "answered_on": "2026-11-27"}, 422,
     "reason"),
    ("still unclear, though never completed", _open, "answer",
     {"outcome": "unavailable", "reason": "still_unclear", "answered_on": "2026-11-27"}, 422,
     "reason"),
    ("answering twice", _answered, "answer",
     {"outcome": "withheld", "reason": "third_party", "answered_on": "2026-11-30"}, 409, None),
    ("a second extension", _extended, "extend", {"reason": "再延长"}, 409, None),
    ("extension without a reason", _open, "extend", {}, 422, "reason"),
    ("extension while waiting", _waiting, "extend", {"reason": "x"}, 409, None),
    ("supplement after seven working days", _old, "supplement", {"reason": "不明确"}, 422, "on"),
    ("a second supplement", _waiting, "supplement", {"reason": "再次补正"}, 409, None),
    ("resubmission of a request not sent back", _open, "resubmit", {}, 409, None),
    ("resubmission before the request went back", _waiting, "resubmit", {"on": "2026-11-20"},
     422, "on"),
]


@pytest.mark.parametrize("name, given, step, sent, status, field", BAD,
                         ids=[b[0] for b in BAD])
def test_bad_input_is_a_4xx_that_writes_nothing(office, session, name, given, step, sent,
                                                status, field):
    who = office.chief if step == "extend" else office.clerk
    request_id = given(office) if given else None
    before = state(session)
    if step is None:
        response = office.register(**sent)
    else:
        response = office.client.post(f"{REQUESTS}/{request_id}/{step}", json=sent,
                                      headers=who.headers)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == PROBLEM
    if field:
        assert field in response.get_json()["errors"], response.get_json()
    assert state(session) == before


def test_malformed_bodies_and_ids(office):
    assert office.client.post(REQUESTS, data="{", content_type="application/json",
                              headers=office.clerk.headers).status_code == 400
    assert office.get(f"{REQUESTS}/not-a-uuid").status_code == 404
    assert office.act("7d4f1c8e-0000-4000-8000-000000000000", "answer", outcome="disclosed",
                      answered_on="2026-11-30").status_code == 404
    assert office.get(REQUESTS, status="lost").status_code == 422


def test_publishing_next_years_schedule_recomputes_the_provisional_limits(office, session):
    request_id = office.registered(received_on="2026-11-20")["id"]
    extended = office.acted(request_id, "extend", office.chief, reason="征求第三方意见")
    # 40 working days: 18 Dec (20), 21–25 (21–25), 28–31 (26–29), [1 Jan], 4–8 Jan (30–34),
    # 11–15 (35–39), 18 Jan (40), counted on a provisional 2027.
    assert extended["due_on"] == "2027-01-18" and extended["due_on_provisional"]
    published = office.client.put("/api/v1/calendar/2027", headers=office.admin.headers, json={
        "holidays": ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"], "workdays": []})
    assert published.status_code == 200, published.get_json()
    shown = office.get(f"{REQUESTS}/{request_id}").get_json()
    assert shown["due_on"] == "2027-01-19" and not shown["due_on_provisional"]
    assert shown["history"][-1]["action"] == "disclosure.due_recomputed"
