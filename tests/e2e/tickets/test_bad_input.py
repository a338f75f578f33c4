"""Bad input to every call center endpoint, on SQLite and PostgreSQL: a 4xx problem+json
naming the field, and nothing written (no ticket, reply, rating, idempotency record or
audit record; the ticket's version unchanged)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from hub.approvals.models import IdempotencyRecord
from hub.audit.models import AuditRecord
from hub.ratings.models import Rating
from hub.tickets.models import Ticket, TicketPolicy, TicketReply

CALLER = {"name": "赵六", "phone": "13912345678"}
GOOD = {"kind": "complaint", "channel": "hotline", "center": "binhe", "subject": "占道经营",
        "content": "早市占道", "caller": CALLER}


def _state(session):
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in
                 (Ticket, TicketReply, Rating, IdempotencyRecord, AuditRecord, TicketPolicy))


def _problem(response, status, field=None):
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        assert any(k == field or k.startswith(f"{field}.") for k in body["errors"]), body


@pytest.mark.parametrize("change, field", [
    ({"kind": "rectification"}, "kind"),  # the hub's own, never entered
    ({"kind": "praise"}, "kind"),
    ({"channel": "rating"}, "channel"),
    ({"channel": "fax"}, "channel"),
    ({"center": "Binhe!"}, "center"),
    ({"subject": "   "}, "subject"),
    ({"subject": "长" * 201}, "subject"),
    ({"content": ""}, "content"),
    ({"caller": {"name": "赵六", "phone": "12345"}}, "caller"),
    ({"caller": {"name": "", "phone": "13912345678"}}, "caller"),
    ({"caller": "赵六"}, "caller"),
    ({"service_item": "no-such-item"}, "service_item"),
    ({"service_item": 7}, "service_item"),
    ({"unexpected": True}, "unexpected"),
])
def test_a_bad_ticket_is_refused_and_writes_nothing(cc, session, change, field):
    before = _state(session)
    body = {**GOOD, **change}
    response = cc.client.post("/api/v1/tickets", json=body,
                              headers={**cc.operator.headers, "Idempotency-Key": "k-1"})
    _problem(response, 422, field)
    assert _state(session) == before


def test_a_missing_field_malformed_json_a_bad_key_and_a_huge_body(cc, session):
    before = _state(session)
    for missing in ("kind", "channel", "center", "subject", "content", "caller"):
        body = {k: v for k, v in GOOD.items() if k != missing}
        _problem(cc.client.post("/api/v1/tickets", json=body, headers=cc.operator.headers),
                 422, missing)
    _problem(cc.client.post("/api/v1/tickets", data="{", content_type="application/json",
                            headers=cc.operator.headers), 400)
    _problem(cc.client.post("/api/v1/tickets", json=GOOD,
                            headers={**cc.operator.headers, "Idempotency-Key": "键"}),
             422, "Idempotency-Key")
    huge = {**GOOD, "content": "长" * 600_000}
    assert cc.client.post("/api/v1/tickets", json=huge,
                          headers=cc.operator.headers).status_code == 413
    assert _state(session) == before


@pytest.mark.parametrize("step, body, field", [
    ("assign", {}, "department"),
    ("assign", {"department": "nowhere"}, "department"),
    ("assign", {"department": "market", "version": "1"}, "version"),
    ("assign", {"department": "market", "version": 0}, "version"),
    ("transfer", {"to_user": "op2.binhe"}, "reason"),
    ("transfer", {"to_user": "op2.binhe", "reason": " "}, "reason"),
    ("transfer", {"to_user": "market.approver", "reason": "x"}, "to_user"),
    ("transfer", {"to_user": "op.binhe", "reason": "x"}, "to_user"),  # already its owner
    ("reply", {"content": "已处理"}, "version"),
    ("reply", {"content": "", "version": 1}, "content"),
    ("reply", {"content": "长" * 5001, "version": 1}, "content"),
    ("close", {"outcome": "happy"}, "outcome"),
    ("close", {}, "outcome"),
    ("close", {"outcome": "satisfied", "note": "长" * 2001}, "note"),
])
def test_a_bad_step_is_refused_and_writes_nothing(cc, session, step, body, field):
    ticket = cc.received()
    before = _state(session)
    _problem(cc.act(ticket, step, **body) if step != "reply" or "version" in body
             else cc.client.post(f"/api/v1/tickets/{ticket['id']}/reply", json=body,
                                 headers=cc.operator.headers), 422, field)
    assert _state(session) == before
    assert cc.get(ticket["id"]).json["version"] == ticket["version"]


def test_unknown_and_malformed_ids_are_not_found(cc):
    for path in ("/api/v1/tickets/not-a-uuid", f"/api/v1/tickets/{uuid.uuid4()}",
                 f"/api/v1/tickets/{uuid.uuid4()}/caller", "/api/v1/ratings/abc",
                 "/api/v1/ratings/999999"):
        who = cc.supervisor if "ratings" in path else cc.operator
        _problem(cc.client.get(path, headers=who.headers), 404)
    _problem(cc.client.post(f"/api/v1/tickets/{uuid.uuid4()}/close",
                            json={"outcome": "satisfied"}, headers=cc.operator.headers), 404)


@pytest.mark.parametrize("query, field", [
    ({"status": "pending"}, "status"), ({"kind": "praise"}, "kind"),
    ({"overdue": "perhaps"}, "overdue"), ({"limit": 0}, "limit"), ({"cursor": "!!"}, "cursor"),
    ({"center": "BINHE"}, "center"),
])
def test_bad_list_queries(cc, query, field):
    _problem(cc.client.get("/api/v1/tickets", query_string=query, headers=cc.supervisor.headers),
             422, field)


def test_bad_policy_history_appeal_and_ratings_queries(cc, session):
    before = _state(session)
    good = {"consultation": 3, "complaint": 10, "suggestion": 15, "rectification": 15}
    for change, field in (({"complaint": 0}, "complaint"), ({"complaint": 366}, "complaint"),
                          ({"complaint": "10"}, "complaint"), ({"praise": 3}, "praise")):
        _problem(cc.client.put("/api/v1/tickets/policy", json={**good, **change},
                               headers=cc.admin.headers), 422, field)
    _problem(cc.client.put("/api/v1/tickets/policy", json={"consultation": 3},
                           headers=cc.admin.headers), 422, "complaint")
    _problem(cc.client.post("/api/v1/callers/history", json={"phone": "1" * 40},
                            headers=cc.operator.headers), 422, "phone")
    _problem(cc.client.get("/api/v1/ratings", query_string={"level": 9},
                           headers=cc.supervisor.headers), 422, "level")
    _problem(cc.client.get("/api/v1/supervision/tickets", query_string={"from": "yesterday"},
                           headers=cc.supervisor.headers), 422, "from")
    assert _state(session) == before
