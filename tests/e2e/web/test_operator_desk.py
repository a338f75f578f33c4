"""The operator's desk in Chromium: a call entered by keyboard alone, the caller's earlier
tickets and cases shown as the number is typed (the number never in a URL), the service
item's guide shown when the item is chosen; then the ticket's walk through the department
and the callback, in the pages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hub.tickets.models import Ticket
from tests.e2e.approvals.conftest import ID_NUMBER
from tests.e2e.web.conftest import PHONE as PHONE_SCREEN
from tests.e2e.web.conftest import screenshot
from tests.factories import guide_definition, window_definition

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

CALLER = "13912345678"


@pytest.fixture
def desk(client, people):
    people.service_item()
    people.department("market")
    admin = people.admin(username="guan")
    assert client.put("/api/v1/service-items/open-restaurant/guide", json=guide_definition(),
                      headers=admin.headers).status_code == 200
    assert client.put("/api/v1/centers/binhe/windows", json=[window_definition("A01", floor=2)],
                      headers=admin.headers).status_code == 200
    operator = people.make("operator", center="binhe", username="op.binhe")
    clerk = people.clerk(center="binhe", username="clerk.binhe")
    people.approver("market", username="market.li")
    # The caller has called before, and has a case at the window.
    earlier = client.post("/api/v1/tickets", headers=operator.headers, json={
        "kind": "consultation", "channel": "hotline", "center": "binhe",
        "subject": "开饭店要什么材料", "content": "咨询开办餐饮店所需材料",
        "caller": {"name": "赵六", "phone": CALLER}})
    assert earlier.status_code == 201
    case = client.post("/api/v1/applications", headers=clerk.headers, json={
        "service_item": "open-restaurant", "center": "binhe",
        "applicant": {"name": "赵六", "id_number": ID_NUMBER, "phone": CALLER},
        "form": {"shop_name": "赵记面馆"}})
    assert case.status_code == 201
    return {"earlier": earlier.json["number"], "case": case.json["number"]}


def test_a_call_entered_by_keyboard_alone_with_history_and_guide(browser, desk, server,
                                                                 session):
    page = browser.sign_in("op.binhe")
    assert page.url.endswith("/desk")  # the operator's first page
    # The number field has the focus: type as a person types, spaces and all.
    assert page.evaluate("document.activeElement.id") == "f-caller-phone"
    page.keyboard.type("139 1234 5678", delay=20)
    history = page.locator("#caller-history")
    history.locator("li").first.wait_for()
    assert desk["earlier"] in history.inner_text() and desk["case"] in history.inner_text()
    assert "139****5678" in history.inner_text() and CALLER not in page.content()
    page.keyboard.press("Tab")
    page.keyboard.type("赵六")
    page.keyboard.press("Tab")  # the kind: consultation → complaint
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # the channel stays the hotline
    page.keyboard.press("Tab")  # the service item: the first one
    page.keyboard.press("ArrowDown")
    guide = page.locator("#item-guide .guide")
    guide.wait_for()
    text = guide.inner_text()
    assert "开办餐饮店" in text and "营业执照" in text and "经营场所平面布局图 2 份" in text
    assert "2 楼 A01 号窗口" in text and "法定 20 个工作日" in text
    page.keyboard.press("Tab")
    page.keyboard.type("饭店油烟扰民")
    page.keyboard.press("Tab")
    page.keyboard.type("楼下饭店油烟直排，晚上十点后仍在营业")
    screenshot(page, "operator-desk-desktop")
    page.keyboard.press("Tab")  # the on-the-spot answer: left empty
    page.keyboard.press("Tab")  # the submit button
    assert page.evaluate("document.activeElement.textContent") == "登记工单"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/tickets/[0-9a-f-]{36}$"))
    number = re.search(r"已登记工单 (RX\d{8}-\d{4})", page.locator(".flash").inner_text()).group(1)
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}",
                        page.locator(".ticket-receipt .receipt-code").inner_text())
    screenshot(page, "operator-ticket-desktop")
    ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert (ticket.kind, ticket.channel, ticket.service_item_code, ticket.owner) == \
        ("complaint", "hotline", "open-restaurant", "op.binhe")
    assert ticket.caller_phone_masked == "139****5678" and ticket.caller_name == "赵六"
    # The number was never in an address the browser asked for.
    assert not [u for u in browser.requests if "1391234" in u or "5678" in u]
    assert any(u.endswith("/desk/history") for u in browser.requests)


def test_the_desk_works_without_the_script_and_on_a_phone(browser, desk, server, session):
    context = browser.context(PHONE_SCREEN, java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("#f-username", "op.binhe")
    page.fill("#f-password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/desk")
    page.fill("#f-caller-phone", "13912345678")
    page.select_option("#f-service_item", "open-restaurant")
    page.click("button.lookup-button")
    assert desk["earlier"] in page.locator("#caller-history").inner_text()
    assert "营业执照" in page.locator("#item-guide").inner_text()
    assert page.input_value("#f-caller-phone") == "13912345678"  # what was typed stays
    screenshot(page, "operator-desk-phone")
    page.click("button.primary >> text=登记工单")
    assert "此项为必填项" in page.locator(".field[data-field='subject'] .field-error").inner_text()
    assert session.scalars(select(Ticket).where(Ticket.kind == "complaint")).first() is None


def test_the_ticket_through_the_department_and_the_callback(browser, desk, server, session):
    operator = browser.sign_in("op.binhe")
    operator.goto(server.url + "/desk")
    operator.fill("#f-caller-phone", "13700001111")
    operator.fill("#f-caller-name", "钱七")
    operator.select_option("#f-kind", "complaint")
    operator.fill("#f-subject", "夜市噪音")
    operator.fill("#f-content", "夜市喇叭声到深夜")
    operator.click("button.primary >> text=登记工单")
    operator.wait_for_url(re.compile(r".*/tickets/[0-9a-f-]{36}$"))
    ticket_url = operator.url
    operator.select_option("#f-assign-department", "market")
    operator.fill("#f-assign-note", "请核查夜市经营许可")
    operator.click("button >> text=交办")
    assert "已交办" in operator.locator(".flash").inner_text()

    approver = browser.sign_in("market.li")
    assert approver.locator(".department-tickets tbody tr", has_text="夜市噪音").count() == 1
    screenshot(approver, "approver-queue-with-tickets-desktop")
    approver.click(".department-tickets a >> text=RX")
    approver.fill("#f-reply-content", "已约谈夜市管理方，22 点后停止使用喇叭")
    approver.click("button >> text=提交答复")
    assert "已答复" in approver.locator(".flash").inner_text()

    operator.goto(server.url + "/tickets/callbacks")
    assert operator.locator("table.tickets tbody tr", has_text="夜市噪音").count() == 1
    operator.goto(ticket_url)
    operator.click("button >> text=查看完整电话以便回访（记录审计）")
    assert "13700001111" in operator.locator(".caller-clear").inner_text()
    operator.check("input[name='close.outcome'][value=unsatisfied]")
    operator.fill("#f-close-note", "回访：喇叭仍在使用")
    operator.click("button >> text=记录回访")
    assert "重新办理" in operator.locator(".flash").inner_text()
    assert "重新办理中" in operator.locator(".page-head .status").inner_text()
    screenshot(operator, "operator-ticket-reopened-desktop")
    row = session.scalars(select(Ticket).where(Ticket.subject == "夜市噪音")).one()
    assert (row.status, row.reopened, row.department_code) == ("reopened", 1, "market")
