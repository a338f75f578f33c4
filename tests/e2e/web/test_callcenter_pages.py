"""The call center's pages over HTTP without a browser, on both backends: every page of
every role renders (and refuses who may not see it), the desk's form and the ticket's
forms write through the services or refuse with the field's message and write nothing,
the ratings' appeal and decision, the answer policy, the officials' exports."""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from hub.audit.models import AuditRecord
from hub.ratings.models import Rating
from hub.tickets.models import Ticket
from tests.e2e.ratings.conftest import concluded, rate
from tests.e2e.tickets.conftest import cc as cc  # noqa: F401 - the fixture, reused
from tests.e2e.tickets.conftest import later
from tests.e2e.approvals.conftest import hall as hall  # noqa: F401 - the fixture, reused
from tests.e2e.web.test_session_cookie import fresh, page_token, sign_in


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


def _as(client, username):
    client.application.config["SESSION_COOKIE_SECURE"] = False
    if fresh(client, "GET", "/me").status_code == 200:
        fresh(client, "POST", "/logout", data={"csrf_token": page_token(client, "/me")})
    assert sign_in(client, username).status_code == 302


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_every_call_center_page_of_every_role_renders(cc, hall, session):
    client = cc.client
    ticket = cc.acted(cc.received(service_item="open-restaurant"), "assign",
                      department="market")
    case = concluded(hall)
    rate(client, case["number"], case["receipt_code"], 1, "态度差")
    pages = {
        "op.binhe": ["/desk", "/tickets", "/tickets?status=all&kind=complaint&overdue=1&mine=1",
                     "/tickets/callbacks", f"/tickets/{ticket['id']}"],
        "clerk.binhe": ["/tickets", "/tickets/callbacks", "/ratings", "/desk",
                        f"/tickets/{ticket['id']}"],
        "market.approver": ["/queue", "/tickets", f"/tickets/{ticket['id']}"],
        "market.chief": ["/ratings", "/tickets"],
        "official": ["/dashboard", "/dashboard/callcenter", "/ratings", "/ratings?appeal=pending",
                     "/tickets", f"/tickets/{ticket['id']}",
                     "/dashboard/callcenter?from=2026-11-01&to=2026-11-30"],
        "guan": ["/admin/ticket-policy", "/dashboard/callcenter", "/ratings",
                 "/admin/users?department=market"],
    }
    refused = {
        "op.binhe": ["/dashboard/callcenter", "/ratings", "/admin/ticket-policy", "/queue"],
        "market.approver": ["/desk", "/tickets/callbacks", "/ratings"],
        "official": ["/desk", "/tickets/callbacks"],
        "guan": ["/tickets", "/desk"],
        "op.daxi": [f"/tickets/{ticket['id']}"],
    }
    _as(client, "op.binhe")
    assert fresh(client, "GET", "/staff").headers["Location"] == "/desk"  # the operator's home
    for username in {*pages, *refused}:
        _as(client, username)
        for path in pages.get(username, []):
            response = fresh(client, "GET", path)
            assert response.status_code == 200, (username, path, response.status_code)
            if re.fullmatch(r"/tickets/[0-9a-f-]{36}", path):
                assert "139****5678" in response.text  # the caller, masked
            assert "13912345678" not in response.text
        for path in refused.get(username, []):
            response = fresh(client, "GET", path)
            assert response.status_code in (403, 404), (username, path, response.status_code)
    _as(client, "official")
    overview = fresh(client, "GET", "/dashboard").text
    assert "十五个街道满意率排名" in overview and "十五个街道排名（按办结及时率）" in overview
    for kind, fmt in (("tickets", "csv"), ("ratings", "xlsx"), ("rating-departments", "csv")):
        assert fresh(client, "GET", f"/dashboard/export/{kind}.{fmt}").status_code == 200


def test_the_desk_writes_a_ticket_and_its_on_the_spot_answer(cc, session):
    client = cc.client
    _as(client, "op.binhe")
    token = page_token(client, "/desk")
    form = {"csrf_token": token, "idempotency_key": "desk-1", "caller.phone": "139 1234 5678",
            "caller.name": "赵六", "kind": "consultation", "channel": "hotline",
            "subject": "营业执照变更要多久", "content": "咨询营业执照变更的办理时限",
            "answer": "营业执照变更承诺 3 个工作日办结"}
    # A blank subject and an answer too long: refused beside each, nothing written.
    refused = fresh(client, "POST", "/desk", data={**form, "subject": " ", "answer": "长" * 5001})
    assert refused.status_code == 422
    assert re.search(r'data-field="subject".*?此项为必填项', refused.text, re.S)
    assert re.search(r'data-field="answer".*?长度不能超过 5000 个字符', refused.text, re.S)
    assert _count(session, Ticket) == 0
    made = fresh(client, "POST", "/desk", data=form)
    assert made.status_code == 302
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.status, ticket.owner, ticket.replies_count) == ("answered", "op.binhe", 1)
    page = fresh(client, "GET", made.headers["Location"]).text
    assert "营业执照变更承诺 3 个工作日办结" in page and "查询码" in page
    code = re.search(r"data-receipt-code>([^<]+)<", page).group(1)
    # To whoever entered it, for the receipt's 15 minutes (a reload must not lose it while
    # the caller is on the line); then never again: the hub keeps no code in clear.
    assert code in fresh(client, "GET", made.headers["Location"]).text
    later(client.application, minutes=16)
    assert "data-receipt-code" not in fresh(client, "GET", made.headers["Location"]).text
    # The same form again (a double click): the same ticket.
    assert fresh(client, "POST", "/desk", data=form).status_code == 302
    assert _count(session, Ticket) == 1
    # Without the script, "查询来电记录" shows the caller's history and writes nothing.
    looked = fresh(client, "POST", "/desk", data={**form, "idempotency_key": "desk-2",
                                                  "lookup": "1"})
    assert looked.status_code == 200 and ticket.number in looked.text
    assert _count(session, Ticket) == 1


def test_the_ticket_forms_refuse_with_the_fields_message_and_write_nothing(cc, session):
    client = cc.client
    ticket = cc.received()
    _as(client, "op.binhe")
    url = f"/tickets/{ticket['id']}"
    token = page_token(client, url)
    before = _count(session, AuditRecord)
    for step, data, field, message in (
            ("assign", {}, "assign.department", "此项为必填项"),
            ("assign", {"assign.department": "nowhere"}, "assign.department", "未知的部门"),
            ("transfer", {"transfer.to_user": "op2.binhe"}, "transfer.reason", "此项为必填项"),
            ("reply", {"reply.content": " "}, "reply.content", "此项为必填项"),
            ("close", {}, "close.outcome", "此项为必填项")):
        response = fresh(client, "POST", f"{url}/{step}",
                         data={"csrf_token": token, "version": str(ticket["version"]), **data})
        assert response.status_code == 422, (step, response.status_code)
        if step == "close":  # no callback form before an answer: the message stands on top
            assert re.search(rf'class="form-errors[^"]*".*?回访结果：{message}', response.text,
                             re.S)
        else:
            assert re.search(rf'data-field="{re.escape(field)}".*?{message}', response.text,
                             re.S), (step, field)
    stale = fresh(client, "POST", f"{url}/reply", data={
        "csrf_token": token, "version": "99", "reply.content": "答复"})
    assert stale.status_code == 302
    assert "已被他人更新" in fresh(client, "GET", url).text
    assert _count(session, AuditRecord) == before
    assert session.get(Ticket, uuid.UUID(ticket["id"])).version == ticket["version"]


def test_appeal_and_decision_in_the_pages(cc, hall, session):
    client = cc.client
    case = concluded(hall)
    rate(client, case["number"], case["receipt_code"], 1, "随便打的")
    rating_id = session.scalars(select(Rating.id)).one()
    _as(client, "clerk.binhe")
    token = page_token(client, "/ratings")
    assert "申诉理由" in fresh(client, "GET", "/ratings").text
    empty = fresh(client, "POST", f"/ratings/{rating_id}/appeal", data={"csrf_token": token})
    assert empty.status_code == 422 and "此项为必填项" in empty.text
    assert fresh(client, "POST", f"/ratings/{rating_id}/appeal", data={
        "csrf_token": token, "reason": "评价人与申请人不符"}).status_code == 302
    _as(client, "official")
    token = page_token(client, "/ratings?appeal=pending")
    assert "剔除该评价" in fresh(client, "GET", "/ratings?appeal=pending").text
    assert fresh(client, "POST", f"/ratings/{rating_id}/decision", data={
        "csrf_token": token, "decision": "exclude", "comment": "核实属实"}).status_code == 302
    session.expire_all()
    assert session.get(Rating, rating_id).excluded is True
    _as(client, "market.approver")
    assert fresh(client, "POST", f"/ratings/{rating_id}/appeal", data={
        "csrf_token": page_token(client, "/queue"), "reason": "x"}).status_code == 403


def test_the_answer_policy_page(cc, session):
    client = cc.client
    _as(client, "guan")
    token = page_token(client, "/admin/ticket-policy")
    bad = fresh(client, "POST", "/admin/ticket-policy", data={
        "csrf_token": token, "consultation": "0", "complaint": "x", "suggestion": "15",
        "rectification": "15"})
    assert bad.status_code == 422 and "答复时限须为 1–365 个工作日" in bad.text
    assert "请输入整数" in bad.text
    assert fresh(client, "POST", "/admin/ticket-policy", data={
        "csrf_token": token, "consultation": "2", "complaint": "7", "suggestion": "10",
        "rectification": "5"}).status_code == 302
    assert client.get("/api/v1/tickets/policy", headers=cc.operator.headers).json == {
        "consultation": 2, "complaint": 7, "suggestion": 10, "rectification": 5}
