"""The disclosure desk and the annual report in headless Chromium over real HTTP on
PostgreSQL: a clerk registers a paper request (a future date refused beside its field),
the head of the office extends it, the clerk answers; the administrator keeps the year's
figures; the official reads the report of the year and downloads it as a DOCX whose
requests table is the page's."""
import io

import docx
import pytest
from sqlalchemy import select

from hub.disclosure.models import DisclosureRequest
from tests.e2e.web.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def desk(people):
    return {"clerk": people.clerk(center="district", username="gk.clerk"),
            "chief": people.chief("disclosure", username="gk.chief"),
            "admin": people.admin(username="gk.admin"),
            "supervisor": people.supervisor(username="official")}


def test_a_request_from_registration_to_the_years_report(browser, desk, server, session):
    clerk = browser.sign_in("gk.clerk")
    clerk.click("nav >> text=依申请公开")
    clerk.click("text=登记申请")
    clerk.select_option("#f-requester-kind", "organisation")
    clerk.select_option("#f-requester-organisation_kind", "commercial")
    clerk.fill("#f-requester-name", "沈阳某商贸有限公司")
    clerk.fill("#f-requester-contact", "024-22715678")
    clerk.select_option("#f-channel", "letter")
    clerk.fill("#f-received_on", "2026-12-01")  # tomorrow: refused
    clerk.fill("#f-description", "2026年本区户外广告设施设置规划及审批情况")
    clerk.click("button[type=submit] >> text=登记")
    assert "不能晚于今天" in clerk.locator(".field[data-field=received_on] .field-error").inner_text()
    assert clerk.locator("#f-received_on").get_attribute("aria-invalid") == "true"
    assert clerk.locator("#f-requester-name").input_value() == "沈阳某商贸有限公司"
    assert session.scalars(select(DisclosureRequest)).first() is None
    clerk.fill("#f-received_on", "2026-10-26")  # a letter that came a month ago
    clerk.click("button[type=submit] >> text=登记")
    clerk.wait_for_url("**/disclosure/*")
    flash = clerk.locator(".flash").inner_text()
    assert "YSQ-2026-0001" in flash and "2026-11-23" in flash
    assert "024*****5678" in clerk.content() and "22715678" not in clerk.content()

    # Most urgent first: the letter is past its limit already (a red card).
    clerk.click("nav >> text=依申请公开")
    row = clerk.locator("table.disclosure-open tbody tr", has_text="YSQ-2026-0001")
    assert "红牌" in row.inner_text() and "已超期" in row.inner_text()
    screenshot(clerk, "disclosure-desk")

    chief = browser.sign_in("gk.chief")
    chief.click("nav >> text=依申请公开")
    chief.click("text=YSQ-2026-0001")
    chief.fill("#f-reason", "需书面征求第三方（相关企业）意见")
    chief.fill("#f-on", "2026-11-23")
    chief.click("button >> text=批准延长 20 个工作日")
    assert "已延长答复期限至 2026-12-21" in chief.locator(".flash").inner_text()

    clerk.click("text=YSQ-2026-0001")
    clerk.select_option("#f-outcome", "withheld")
    clerk.fill("#f-answered_on", "2026-11-30")
    clerk.click("button >> text=提交答复")
    assert "须选择理由" in clerk.locator(".field[data-field=reason] .field-error").inner_text()
    clerk.select_option("#f-answer-reason", "third_party")
    clerk.click("button >> text=提交答复")
    assert "已答复申请 YSQ-2026-0001" in clerk.locator(".flash").inner_text()
    assert "不予公开（4.保护第三方合法权益）" in clerk.locator("dl.facts").inner_text()

    admin = browser.sign_in("gk.admin")
    admin.click("nav >> text=年报数据")
    admin.select_option("#f-year", "2026")
    admin.click("button >> text=查看")
    admin.fill("#f-proactive-normative_documents-made", "5")
    admin.fill("#f-proactive-licences", "2468")
    admin.fill("#f-reviews-reconsideration-upheld", "-1")
    admin.click("button >> text=保存 2026 年度数据")
    assert admin.locator("#f-reviews-reconsideration-upheld").get_attribute(
        "aria-invalid") == "true"
    admin.fill("#f-reviews-reconsideration-upheld", "1")
    admin.click("button >> text=保存 2026 年度数据")
    assert "已保存 2026 年度政务公开年报数据" in admin.locator(".flash").inner_text()

    official = browser.sign_in("official")
    official.click("nav >> text=政务公开年报")
    official.select_option("#f-year", "2026")
    official.click("button >> text=查看")
    report = official.locator("article.report")
    assert report.get_attribute("data-open") == "true"
    assert official.locator(".report-draft").count() == 2
    received = official.locator("table.report-requests th[data-row=received] ~ td")
    assert received.all_inner_texts() == ["0", "1", "0", "0", "0", "0", "1"]
    third_party = official.locator("table.report-requests th[data-row='withheld.third_party'] ~ td")
    assert third_party.all_inner_texts() == ["0", "1", "0", "0", "0", "0", "1"]
    assert "行政规范性文件" in official.locator("table.report-proactive").inner_text()
    screenshot(official, "disclosure-report")
    with official.expect_download() as download:
        official.click("text=下载 Word（DOCX）")
    document = docx.Document(io.BytesIO(open(download.value.path(), "rb").read()))
    table = document.tables[1]
    words = {row.cells[2].text: [c.text for c in row.cells[3:]] for row in table.rows[3:]}
    assert words["一、本年新收政府信息公开申请数量"] == ["0", "1", "0", "0", "0", "0", "1"]
    assert words["4.保护第三方合法权益"] == ["0", "1", "0", "0", "0", "0", "1"]
    assert "尚未结束" in document.sections[0].header.paragraphs[0].text
