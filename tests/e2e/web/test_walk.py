"""The walk through the pages, in headless Chromium over real HTTP on PostgreSQL: a window
clerk accepts a case on its one form, three approvers at three workstations decide it,
and the official's dashboard shows the concluded case and its center's on-time rate."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from hub.approvals.forms import with_check_character
from hub.approvals.models import Application, ApprovalTask
from tests.e2e.web.conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

ID_NUMBER = with_check_character("21010319850612002")
FORM = [
    {"name": "shop_name", "label": "店铺名称", "type": "string", "required": True,
     "departments": ["market", "fire"]},
    {"name": "seats", "label": "座位数", "type": "integer", "required": True,
     "departments": ["fire"]},
    {"name": "cuisine", "label": "经营类别", "type": "choice", "required": True,
     "options": ["热食类", "冷食类"], "departments": ["food"]},
]
STAGES = [{"mode": "all", "tasks": [{"department": "market", "days": 3}]},
          {"mode": "all", "tasks": [{"department": "food", "days": 5},
                                    {"department": "fire", "days": 5}]}]


@pytest.fixture
def hall(people):
    """The cast: a clerk at the 滨河 street center, three departments' approvers, an official."""
    for code, name in (("market", "区市场监督管理局"), ("food", "区食品药品监督管理局"),
                       ("fire", "区消防救援大队")):
        people.department(code, name)
    people.service_item(code="open-restaurant", name="开办餐饮店", form=FORM, stages=STAGES)
    return {"clerk": people.clerk(center="binhe", username="clerk.binhe"),
            "market": people.approver("market", username="market.li"),
            "food": people.approver("food", username="food.zhao"),
            "fire": people.chief("fire", username="fire.chief"),
            "supervisor": people.supervisor(username="official")}


def decide(browser, username, number, *, clock=None, screenshot_name=None):
    """An approver at their own workstation opens the case from the queue and approves."""
    page = browser.sign_in(username)
    assert page.url.endswith("/queue")
    row = page.locator("table.queue tbody tr", has_text=number)
    assert row.count() == 1
    row.locator("a").click()
    page.wait_for_url("**/tasks/**")
    if screenshot_name:
        screenshot(page, screenshot_name)
    parts = page.locator("dl.form-values").inner_text()
    page.click("button[value=approve]")
    page.wait_for_url("**/queue")
    assert f"已对办件 {number} 作出决定" in page.locator(".flash").inner_text()
    assert page.locator("table.queue tbody tr", has_text=number).count() == 0
    return parts


def test_clerk_submits_three_approvers_decide_official_sees_it_concluded_on_time(
        browser, hall, server, session, frozen_clock):
    # The window: choose the item, fill the one form; mistakes come back beside their fields.
    clerk = browser.sign_in("clerk.binhe")
    clerk.click("nav >> text=受理办件")
    clerk.click("a.tile:has-text('开办餐饮店')")
    clerk.fill("#f-applicant-name", "王小明")
    clerk.fill("#f-applicant-id_number", "210103198506120020")  # wrong check character
    clerk.fill("#f-applicant-phone", "13812345678")
    clerk.fill("#f-form-shop_name", "老边饺子馆")
    clerk.fill("#f-form-seats", "二十")
    clerk.select_option("#f-form-cuisine", "热食类")
    clerk.click("button[type=submit] >> text=提交受理")
    id_error = clerk.locator(".field[data-field='applicant.id_number'] .field-error")
    assert "身份证号码校验位不符" in id_error.inner_text()
    assert clerk.locator(".field[data-field='form.seats'] .field-error").inner_text() \
        .endswith("应为整数")
    assert clerk.locator("#f-applicant-id_number").get_attribute("aria-invalid") == "true"
    # What was typed stays, so only the mistakes need retyping.
    assert clerk.locator("#f-form-shop_name").input_value() == "老边饺子馆"
    assert session.scalars(select(Application)).first() is None
    screenshot(clerk, "clerk-form-errors-desktop")

    clerk.fill("#f-applicant-id_number", ID_NUMBER)
    clerk.fill("#f-form-seats", "20")
    clerk.click("button[type=submit] >> text=提交受理")
    clerk.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}/receipt$"))
    flash = clerk.locator(".flash").inner_text()
    number = re.search(r"办件编号 (\S+)", flash).group(1)
    # The receipt (受理通知书) with its code, shown while fresh (to print it and take its
    # PDF), never kept: a quarter of an hour later it is gone; then the case itself.
    assert clerk.locator(".receipt-number").inner_text() == number
    code = clerk.locator(".receipt-code").inner_text()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    screenshot(clerk, "clerk-receipt-desktop")
    clerk.reload()
    assert clerk.locator(".receipt-code").inner_text() == code
    frozen_clock.advance(dt.timedelta(minutes=16))
    clerk.reload()
    assert clerk.locator(".receipt-code").count() == 0 and code not in clerk.content()
    clerk.click("text=查看办件")
    clerk.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}$"))
    case_url = clerk.url
    facts = clerk.locator("dl.facts").first.inner_text()
    assert "2101**********" + ID_NUMBER[-4:] in facts and ID_NUMBER not in clerk.content()
    assert "138****5678" in facts and "王**" in facts
    assert "2026-11-30 09:00" in facts  # accepted Monday 09:00 in the hall (Asia/Shanghai)
    assert clerk.locator(".stage.current").count() == 1
    planned = clerk.locator(".stage.planned").inner_text()  # stage 2 is yet to open
    assert "第 2 阶段" in planned and "区食品药品监督管理局 5 个工作日" in planned
    screenshot(clerk, "clerk-case-desktop")
    [application] = session.scalars(select(Application)).all()
    assert application.number == number and application.center_code == "binhe"

    # Three approvers, three workstations. The market bureau first (stage 1) ...
    frozen_clock.advance(dt.timedelta(days=1, hours=2))
    market_sees = decide(browser, "market.li", number, screenshot_name="approver-task-desktop")
    # ... each department sees its part of the one form only.
    assert "老边饺子馆" in market_sees and "热食类" not in market_sees and "20" not in market_sees
    # ... then food and fire at once (stage 2, 会签).
    frozen_clock.advance(dt.timedelta(days=1))
    food_sees = decide(browser, "food.zhao", number)
    assert "热食类" in food_sees and "老边饺子馆" not in food_sees
    fire_sees = decide(browser, "fire.chief", number)
    assert "老边饺子馆" in fire_sees and "20" in fire_sees

    # Two days on, the clerk's sign-in of Monday has expired (8 hours): sign in again.
    clerk.goto(case_url)
    assert "/login" in clerk.url
    clerk = browser.sign_in("clerk.binhe")
    clerk.goto(case_url)
    assert "已办结（准予）" in clerk.locator(".page-head .status").inner_text()
    assert "结果编号" in clerk.locator("dl.facts").first.inner_text()
    history = clerk.locator("ol.history").inner_text()
    for step in ("窗口受理", "部门审批：同意", "办结：准予许可"):
        assert step in history
    screenshot(clerk, "clerk-case-concluded-desktop")
    statuses = session.scalars(select(ApprovalTask.status)).all()
    assert sorted(statuses) == ["approved"] * 3

    # The official: the 滨河 tile and ranking show the concluded case on time.
    official = browser.sign_in("official")
    assert official.url.endswith("/dashboard")
    tile = official.locator("a.tile[data-center=binhe]")
    assert tile.locator(".big").inner_text() == "100.0%"
    assert "办结（按时）1（1）" in tile.locator("dl").inner_text().replace("\n", "").replace(
        " ", "")
    ranked = official.locator("table.ranking tr[data-center=binhe]")
    assert ranked.locator("td").nth(0).inner_text() == "1"
    assert ranked.locator("td.timeliness").inner_text() == "100.0%"
    assert ranked.locator("td").nth(9).inner_text() == "2.00"  # Tue + Wed: 2 working days
    screenshot(official, "official-dashboard-desktop")
    tile.click()
    official.wait_for_url("**/dashboard/centers/binhe**")
    assert official.locator(".on-time-rate").inner_text().startswith("100.0%")
    assert official.locator(".timeliness-rate").inner_text().startswith("100.0%")
    row = official.locator("table.cases tbody tr", has_text=number)
    assert "已办结（准予）" in row.inner_text()
    screenshot(official, "official-center-desktop")
    row.locator("a").click()
    official.wait_for_url(case_url)
    assert official.locator("form.withdraw-form").count() == 0  # officials read, never write

    phone = browser.sign_in("official", viewport=PHONE)
    assert phone.locator("a.tile[data-center=binhe] .big").inner_text() == "100.0%"
    screenshot(phone, "official-dashboard-phone")


def test_supervisor_cannot_reach_a_decision_form(browser, hall, server, people, session):
    from tests.factories import PASSWORD  # noqa: F401 - the official signs in with it

    clerk = browser.sign_in("clerk.binhe")
    clerk.goto(server.url + "/cases/new/open-restaurant")
    clerk.fill("#f-applicant-name", "李四")
    clerk.fill("#f-applicant-id_number", ID_NUMBER)
    clerk.fill("#f-applicant-phone", "024-22345678")
    clerk.fill("#f-form-shop_name", "小店")
    clerk.fill("#f-form-seats", "8")
    clerk.select_option("#f-form-cuisine", "冷食类")
    clerk.click("button[type=submit] >> text=提交受理")
    clerk.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}/receipt$"))
    task = session.scalars(select(ApprovalTask)).one()

    official = browser.sign_in("official")
    response = official.goto(f"{server.url}/tasks/{task.id}")
    assert response.status == 403
    assert official.locator("form.decision-form").count() == 0
    assert "无权执行此操作" in official.locator("h1").inner_text()
    # Not by posting either, even with a valid form token of their own.
    token = official.locator("input[name=csrf_token]").first.input_value()
    posted = official.request.post(f"{server.url}/tasks/{task.id}/decision", form={
        "csrf_token": token, "decision": "approve", "version": str(task.version)})
    assert posted.status == 403
    session.expire_all()
    assert session.get(ApprovalTask, task.id).status == "pending"
    # An approver of another department cannot either.
    people.approver("food", username="food.other")
    other = browser.sign_in("food.other")
    assert other.goto(f"{server.url}/tasks/{task.id}").status == 403
    # The market approver can, and a decision without a comment when one is needed is
    # refused beside the comment field.
    market = browser.sign_in("market.li", viewport=PHONE)
    market.goto(f"{server.url}/tasks/{task.id}")
    market.click("button[value=reject]")
    assert "不予许可或要求补正时须填写意见" in market.locator(
        ".field[data-field=comment] .field-error").inner_text()
    screenshot(market, "approver-task-errors-phone")
    session.expire_all()
    assert session.get(ApprovalTask, task.id).status == "pending"
