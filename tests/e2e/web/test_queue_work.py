"""Approvers and chiefs in the browser (issue 21, item 8): the pool and "my tasks" with
claim and release, no decision form on another's task, a typed comment kept when a
decision cannot go, reassignment errors in plain Chinese, the assignee's center, the
case header as bad as its worst step, and what a resubmission changed, per department."""
import datetime as dt

import pytest
from sqlalchemy import select, update

from hub.approvals.models import ApprovalTask
from hub.directory.models import User
from tests.e2e.web.conftest import screenshot
from tests.e2e.web.test_case_flows import hall, submit  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_an_approver_claims_from_the_pool_and_another_cannot_decide_it(
        browser, hall, server, session):  # noqa: F811
    clerk = browser.sign_in("clerk.binhe")
    number = submit(clerk, server, "王小明", "老边饺子馆")
    li = browser.sign_in("market.li")
    tabs = li.locator("nav.tabs")
    assert "部门待领 1" in tabs.inner_text() and "我的待办 0" in tabs.inner_text()
    screenshot(li, "approver-pool")
    li.locator("table.queue tbody tr", has_text=number).locator("button", has_text="领取").click()
    assert f"已领取办件 {number}" in li.locator(".flash").inner_text()
    li.click("nav.tabs >> text=我的待办")
    assert li.locator("table.queue tbody tr", has_text=number).count() == 1
    assert "我的待办 1" in tabs.inner_text() and "部门待领 0" in tabs.inner_text()
    screenshot(li, "approver-my-tasks")

    wu = browser.sign_in("market.wu")
    wu.click("nav.tabs >> text=本部门全部")
    row = wu.locator("table.queue tbody tr", has_text=number)
    assert "测试用户market.li（沈河区政务服务中心）" in row.inner_text()
    row.locator("a").first.click()
    assert wu.locator("form.decision-form").count() == 0
    assert "由 测试用户market.li（沈河区政务服务中心）办理，您不能" in \
        wu.locator(".holder-note").inner_text()
    screenshot(wu, "approver-task-held-by-another")
    # Given back, it is in the pool for anyone.
    li.locator("table.queue tbody tr", has_text=number).locator(
        "button", has_text="退回待领").click()
    assert f"已将办件 {number} 退回部门待领" in li.locator(".flash").inner_text()
    assert session.scalars(select(ApprovalTask.assignee)).one() is None


def test_a_typed_comment_survives_a_reassignment_meanwhile(browser, hall, server, session):  # noqa: F811,E501
    # A name that does not contain the login, so the message shows which one it names.
    session.execute(update(User).where(User.username == "market.wu")
                    .values(display_name="吴晓燕"))
    session.commit()
    clerk = browser.sign_in("clerk.binhe")
    number = submit(clerk, server, "王小明", "老边饺子馆")
    li = browser.sign_in("market.li")
    li.locator("table.queue tbody tr", has_text=number).locator("a").first.click()
    comment = "经营场所证明与营业执照地址不一致，请补充租赁合同。\n另请提供平面布局图。"
    li.fill("#f-comment", comment)
    # Meanwhile the chief gives the task to wu.
    chief = browser.sign_in("market.chief")
    chief.locator("table.queue tbody tr", has_text=number).locator("a").first.click()
    chief.select_option("#f-assignee", "market.wu")
    chief.click("form.assign-form button")
    li.click("button[value=request_supplement]")
    summary = li.locator(".error-summary")
    # The assignee by name (item 11), never by login.
    assert "该任务已指派给 吴晓燕，请由其本人或首席代表处理" in summary.inner_text()
    assert "market.wu" not in summary.inner_text()
    li.wait_for_function("document.activeElement.classList.contains('error-summary')")
    assert comment.replace("\n", "") in li.locator(".kept-comment").inner_text().replace("\n", "")
    screenshot(li, "approver-comment-kept")
    assert session.scalars(select(ApprovalTask.status)).one() == "pending"


def test_a_reassignment_to_someone_who_left_meanwhile_says_so(browser, hall, server, session):  # noqa: F811,E501
    clerk = browser.sign_in("clerk.binhe")
    number = submit(clerk, server, "王小明", "老边饺子馆")
    chief = browser.sign_in("market.chief")
    chief.locator("table.queue tbody tr", has_text=number).locator("a").first.click()
    session.execute(update(User).where(User.username == "market.wu").values(status="left"))
    session.commit()
    chief.select_option("#f-assignee", "market.wu")
    chief.click("form.assign-form button")
    message = chief.locator(".error-summary").inner_text()
    assert "测试用户market.wu（market.wu）已离岗，不能接收审批任务" in message
    assert "assignee" not in message and "task." not in message
    screenshot(chief, "chief-reassign-refused")
    assert session.scalars(select(ApprovalTask.assignee)).one() is None


def test_the_header_is_as_bad_as_the_worst_step(browser, hall, server, frozen_clock):  # noqa: F811
    clerk = browser.sign_in("clerk.binhe")
    submit(clerk, server, "王小明", "老边饺子馆")
    case_url = clerk.url.removesuffix("/receipt")
    frozen_clock.advance(dt.timedelta(days=7))  # market's 3 working days are past
    clerk = browser.sign_in("clerk.binhe")
    clerk.goto(case_url)
    head = clerk.locator(".case-state").inner_text()
    assert "红牌" in head and "有审批环节已超期，办件总时限尚未超期" in head
    screenshot(clerk, "clerk-case-worst-step")


def test_what_a_resubmission_changed_each_department_sees_its_part(
        browser, hall, server, session, people):  # noqa: F811
    people.approver("fire", username="fire.zhao")
    clerk = browser.sign_in("clerk.binhe")
    number = submit(clerk, server, "王小明", "老边饺子馆")
    case_url = clerk.url.removesuffix("/receipt")
    li = browser.sign_in("market.li")
    li.locator("table.queue tbody tr", has_text=number).locator("a").first.click()
    li.fill("#f-comment", "店名与执照不一致，座位数请核实")
    li.click("button[value=request_supplement]")
    clerk.goto(case_url + "/resubmit")
    clerk.fill("#f-form-shop_name", "老边饺子馆（沈河店）")
    clerk.fill("#f-form-seats", "24")
    clerk.click("button >> text=重新提交")
    clerk.wait_for_url(case_url)
    # market reads the shop's name, not the seats (fire's field).
    li.goto(server.url + "/queue?view=all")
    li.locator("table.queue tbody tr", has_text=number).locator("a").first.click()
    changes = li.locator(".last-round").inner_text()
    assert "第 1 次补正后的变更" in changes
    assert "老边饺子馆（沈河店）" in changes and "座位数" not in changes
    screenshot(li, "approver-changes-since-last-round")
    # The window reads the whole form: both changes.
    clerk.goto(case_url)
    window = clerk.locator(".last-round").inner_text()
    assert "店铺名称" in window and "座位数" in window and "24" in window
