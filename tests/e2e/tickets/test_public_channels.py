"""The citizens' channel without sign-in, on SQLite and PostgreSQL: a consultation or a
complaint sent from the web (number, code, due date), its progress by number and code
(answers by office, never by person), a wrong code like an unknown number, the limits
per address, bad input refused with nothing written."""
from __future__ import annotations

from sqlalchemy import func, select

from hub.audit.models import AuditRecord
from hub.tickets.models import Ticket

MESSAGE = {"kind": "complaint", "center": "binhe", "subject": "窗口排队时间长",
           "content": "周一上午排了两个小时", "caller": {"name": "孙八", "phone": "13700001111"}}


def send(client, body=None, address="198.51.100.20", **kw):
    return client.post("/api/v1/public/tickets", json=body or MESSAGE,
                       environ_base={"REMOTE_ADDR": address}, **kw)


def test_a_message_from_the_web_is_a_ticket_owned_by_the_centers_operator(cc, session):
    response = send(cc.client)
    assert response.status_code == 201, response.json
    assert set(response.json) == {"number", "code", "due_at"}
    assert response.json["due_at"] == "2026-12-14T23:59:59+08:00"
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.channel, ticket.owner, ticket.center_code, ticket.status) == \
        ("web", "op.binhe", "binhe", "open")  # binhe's first operator owns it (首问负责)
    record = session.scalars(select(AuditRecord).where(AuditRecord.target_id == str(ticket.id))
                             ).one()
    assert (record.actor, record.action) == ("public:web", "ticket.received")
    # The operator sees it in the center's list.
    listed = cc.client.get("/api/v1/tickets", headers=cc.operator.headers).json["items"]
    assert [t["number"] for t in listed] == [response.json["number"]]


def test_its_progress_shows_the_answers_by_office(cc):
    sent = send(cc.client).json
    url = f"/api/v1/public/progress/{sent['number']}"
    view = cc.client.get(url, query_string={"code": sent["code"]})
    assert view.status_code == 200
    assert (view.json["type"], view.json["status"], view.json["status_label"]) == \
        ("ticket", "open", "已受理")
    assert view.json["name"] == "孙*" and view.json["rateable"] is False
    assert "13700001111" not in view.get_data(as_text=True)
    ticket = cc.client.get("/api/v1/tickets", headers=cc.operator.headers).json["items"][0]
    ticket = cc.acted(ticket, "assign", department="market")
    cc.acted(ticket, "reply", cc.approvers["market"], content="已增开两个窗口")
    view = cc.client.get(url, query_string={"code": sent["code"]}).json
    assert view["status"] == "answered" and view["rateable"] is True
    assert view["replies"][0]["content"] == "已增开两个窗口"
    assert view["replies"][0]["by"] == "market 局"  # the office, not the approver
    assert "market.approver" not in str(view)
    wrong = cc.client.get(url, query_string={"code": "WRONG234"})
    unknown = cc.client.get("/api/v1/public/progress/RX20261130-9999",
                            query_string={"code": sent["code"]})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json["detail"] == unknown.json["detail"]


def test_a_center_without_operator_or_clerk_hands_it_to_the_district(cc, session):
    cc.people.make("operator", center="district", username="op.district")
    response = send(cc.client, {**MESSAGE, "center": "dongling"})
    assert response.status_code == 201
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.center_code, ticket.owner) == ("dongling", "op.district")


def test_bad_input_is_refused_and_writes_nothing(cc, session):
    for change, field in (({"kind": "rectification"}, "kind"), ({"center": "atlantis"}, "center"),
                          ({"subject": ""}, "subject"), ({"channel": "web"}, "channel"),
                          ({"caller": {"name": "孙八", "phone": "abc"}}, "caller")):
        response = send(cc.client, {**MESSAGE, **change})
        assert response.status_code == 422, (change, response.json)
        assert any(k.startswith(field) for k in response.json["errors"]), response.json
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action.like("ticket.%"))) == 0


def test_the_public_endpoints_are_rate_limited_per_address(cc, session):
    sent = [send(cc.client, address="192.0.2.50") for _ in range(11)]
    assert [r.status_code for r in sent[:10]] == [201] * 10
    refused = sent[10]
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.mimetype == "application/problem+json"
    assert session.scalar(select(func.count()).select_from(Ticket)) == 10  # nothing more
    assert send(cc.client, address="192.0.2.51").status_code == 201  # another address
    number, code = sent[0].json["number"], sent[0].json["code"]
    looks = [cc.client.get(f"/api/v1/public/progress/{number}", query_string={"code": code},
                           environ_base={"REMOTE_ADDR": "192.0.2.60"}) for _ in range(61)]
    assert [r.status_code for r in looks[:60]] == [200] * 60
    assert looks[60].status_code == 429
