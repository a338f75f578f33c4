"""Accounts and errors in the browser (issue 21, item 11), each as the role that meets
them: a clerk's failed submission puts the focus on the error summary; an approver sees
their account in names, a refusal in Chinese and a page for a mistyped address."""
import pytest

from tests.e2e.web.conftest import PHONE, screenshot
from tests.e2e.web.test_walk import FORM, STAGES

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def hall(people):
    for code, name in (("market", "区市场监督管理局"), ("food", "区食品药品监督管理局"),
                       ("fire", "区消防救援大队")):
        people.department(code, name)
    people.service_item(code="open-restaurant", name="开办餐饮店", form=FORM, stages=STAGES)
    people.clerk(center="binhe", username="clerk.binhe")
    people.approver("market", username="market.li")


SUMMARY_FOCUSED = ("document.activeElement !== null && "
                   "document.activeElement.classList.contains('error-summary')")


def focused(page):
    page.wait_for_function(SUMMARY_FOCUSED)  # autofocus acts once the page has loaded
    return page.evaluate("document.activeElement.className + '|' + "
                         "(document.activeElement.innerText || '')")


def test_a_failed_submission_moves_the_focus_to_the_error_summary(browser, hall, server):
    clerk = browser.sign_in("clerk.binhe", viewport=PHONE)
    clerk.goto(server.url + "/cases/new/open-restaurant")
    clerk.fill("#f-applicant-name", "王小明")
    clerk.fill("#f-form-seats", "二十")
    clerk.click("button[type=submit] >> text=提交受理")
    summary = clerk.locator(".error-summary")
    assert summary.count() == 1
    where = focused(clerk)
    assert where.startswith("form-errors error-summary|"), where
    assert "提交未成功" in where and "身份证号码" in where and "座位数：应为整数" in where
    screenshot(clerk, "clerk-error-summary-focused-phone")
    # Each message links to its field: following it puts the cursor there.
    summary.locator("a", has_text="座位数").click()
    assert clerk.evaluate("document.activeElement.id") == "f-form-seats"
    # The keyboard reaches the summary's first link from it, before the form.
    clerk.goto(server.url + "/cases/new/open-restaurant")
    clerk.click("button[type=submit] >> text=提交受理")
    assert focused(clerk).startswith("form-errors error-summary|")
    clerk.keyboard.press("Tab")
    assert clerk.evaluate("document.activeElement.getAttribute('href')") == \
        "#f-applicant-name"


def test_an_approver_meets_names_chinese_refusals_and_a_page_for_a_bad_address(
        browser, hall, server):
    approver = browser.sign_in("market.li")
    approver.goto(server.url + "/me")
    facts = approver.locator("dl.facts").inner_text()
    assert "区市场监督管理局" in facts and "区政务服务中心" in facts and "审批人" in facts
    assert "market" not in facts.replace("market.li", "") and "approver" not in facts
    screenshot(approver, "approver-account")

    approver.goto(server.url + "/admin/users")
    assert approver.locator("h1").inner_text() == "无权执行此操作"
    refusal = approver.locator(".error-panel").inner_text()
    assert "当前账号无权管理工作人员账号" in refusal and "您当前的身份：审批人" in refusal
    assert "users.write" not in approver.content()
    screenshot(approver, "approver-refused")

    approver.goto(server.url + "/queue/../tasks-typo")
    assert approver.locator("h1").inner_text() == "页面不存在"
    assert approver.locator(".who-name").count() == 1  # still the staff's frame
    screenshot(approver, "approver-bad-address")
