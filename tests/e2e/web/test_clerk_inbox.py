"""The window's counter work in the browser (issue 21, item 4): the clerk finds a case by
the applicant's ID number (typed with spaces, never in the address bar), by a part of its
number and by the company's name, and works the supplement inbox from its count in the
navigation to the one-time notice and the resubmission."""
import pytest
from sqlalchemy import update

from hub.approvals.forms import with_check_character
from hub.catalog.models import ServiceItem
from tests.e2e.web.conftest import PHONE, screenshot
from tests.e2e.web.test_case_flows import hall, submit  # noqa: F401
from tests.e2e.web.test_walk import FORM

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
ID_NUMBER = with_check_character("21010319850612002")


@pytest.fixture
def company_item(hall, session):  # noqa: F811
    form = [dict(f, company=True) if f["name"] == "shop_name" else f for f in FORM]
    session.execute(update(ServiceItem).where(ServiceItem.code == "open-restaurant")
                    .values(form=form))


def found(page):
    return page.locator("table.cases tbody tr").all_inner_texts()


def search(page, query):
    # The search is a POST: read the rows of the page it answers, not of the one before.
    page.fill("#f-q", query)
    with page.expect_navigation():
        page.click("button >> text=查询")


def test_the_clerk_finds_cases_as_a_counter_does(browser, company_item, server):
    clerk = browser.sign_in("clerk.binhe")
    first = submit(clerk, server, "王小明", "老边饺子馆")
    second = submit(clerk, server, "李四", "马家烧麦")
    clerk.goto(server.url + "/cases")
    search(clerk, " ".join([ID_NUMBER[:6], ID_NUMBER[6:14], ID_NUMBER[14:]]))
    rows = found(clerk)
    assert sorted(r.split("\t")[2] for r in rows) == ["李*", "王**"]  # the same person twice
    assert ID_NUMBER[6:14] not in clerk.url and clerk.url.endswith("/cases")
    screenshot(clerk, "clerk-search-by-id-number")
    search(clerk, second[-4:])
    assert [second in r for r in found(clerk)] == [True]
    search(clerk, "烧麦")
    assert [second in r for r in found(clerk)] == [True]
    assert first not in clerk.locator("table.cases").inner_text()


def test_the_clerk_works_the_supplement_inbox(browser, company_item, server):
    clerk = browser.sign_in("clerk.binhe", viewport=PHONE)
    number = submit(clerk, server, "王小明", "老边饺子馆")
    assert clerk.locator("nav.mainnav .nav-count").count() == 0
    li = browser.sign_in("market.li")
    li.locator("table.queue tbody tr", has_text=number).locator("a").first.click()
    li.fill("#f-comment", "请补充经营场所租赁合同")
    li.click("button[value=request_supplement]")
    clerk.reload()
    assert clerk.locator("nav.mainnav .nav-count").inner_text() == "1"
    clerk.click("nav.mainnav >> text=待补正")
    row = clerk.locator("table.supplements tbody tr", has_text=number)
    assert "请补充经营场所租赁合同" in row.inner_text()
    screenshot(clerk, "clerk-supplement-inbox-phone")
    row.locator("a", has_text="一次性告知书").click()
    assert "请补充经营场所租赁合同" in clerk.locator("article.document").inner_text()
    clerk.go_back()
    clerk.locator("table.supplements tbody tr", has_text=number).locator(
        "a", has_text="补正材料").click()
    clerk.click("button >> text=重新提交")
    clerk.goto(server.url + "/cases/supplements")
    assert "没有等待补正的办件" in clerk.locator("table.supplements").inner_text()
    assert clerk.locator("nav.mainnav .nav-count").count() == 0
