"""The documents the hall prints, in the browser (issue 21, item 10): the clerk prints the
acceptance notice (its print stylesheet shows the sheet alone) and takes its PDF; the
citizen follows its QR code to the progress lookup, number filled in, and types the
code; after a supplement request and a refusal the window prints the one-time notice and
the decision."""
import io
import re

import pypdf
import pytest

from tests.e2e.web.conftest import PHONE, screenshot
from tests.e2e.web.test_case_flows import hall, submit  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_the_receipt_its_pdf_and_its_qr_code(browser, hall, server):  # noqa: F811
    clerk = browser.sign_in("clerk.binhe")
    number = submit(clerk, server, "王小明", "老边饺子馆")
    clerk.click("a >> text=受理通知书")  # from the case's page, again, while the code is fresh
    sheet = clerk.locator("article.document")
    assert "受理通知书" in sheet.inner_text() and number in sheet.inner_text()
    code = clerk.locator("[data-receipt-code]").inner_text()
    target = clerk.locator("figure.qr img").get_attribute("alt").split("：", 1)[1]
    assert target == f"{server.url}/progress?number={number}"
    screenshot(clerk, "clerk-receipt")
    clerk.emulate_media(media="print")
    assert clerk.locator("header.topbar").is_hidden() and clerk.locator(".page-head").is_hidden()
    screenshot(clerk, "clerk-receipt-print")
    clerk.emulate_media(media="screen")
    pdf = clerk.request.get(server.url + clerk.locator("a", has_text="下载 PDF")
                            .get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(pypdf.PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text().split())
    assert number in text and code.replace(" ", "") in text

    citizen = browser.page(PHONE)
    citizen.goto(target)  # what the QR code holds
    assert citizen.locator("#f-number").input_value() == number
    citizen.fill("#f-code", code)
    citizen.click("main button[type=submit]")
    assert number in citizen.locator("#result-title").inner_text()
    screenshot(citizen, "citizen-progress-from-qr-phone")


def test_the_one_time_notice_and_the_decision(browser, hall, server):  # noqa: F811
    clerk = browser.sign_in("clerk.binhe")
    number = submit(clerk, server, "王小明", "老边饺子馆")
    case_url = clerk.url
    li = browser.sign_in("market.li")
    li.locator("table.queue tbody tr", has_text=number).locator("a").first.click()
    li.fill("#f-comment", "请补充经营场所租赁合同及平面布局图")
    li.click("button[value=request_supplement]")
    clerk.goto(case_url)
    clerk.click("a >> text=补正材料一次性告知书")
    sheet = clerk.locator("article.document").inner_text()
    assert f"{number}-BZ1" in sheet and "请补充经营场所租赁合同及平面布局图" in sheet
    assert "一次告知" in sheet
    screenshot(clerk, "clerk-one-time-notice")
    clerk.goto(case_url + "/resubmit")
    clerk.click("button >> text=重新提交")
    li.goto(server.url + "/queue?view=all")
    li.locator("table.queue tbody tr", has_text=number).locator("a").first.click()
    li.fill("#f-comment", "经营场所位于居民住宅楼内，不符合餐饮服务场所要求")
    li.click("button[value=reject]")
    clerk.goto(case_url)
    clerk.click("a >> text=不予行政许可决定书")
    sheet = clerk.locator("article.document").inner_text()
    assert "不符合餐饮服务场所要求" in sheet and "行政复议" in sheet and "行政诉讼" in sheet
    assert re.search(r"60\s*日内", sheet) and re.search(r"6\s*个月内", sheet)
    screenshot(clerk, "clerk-refusal-decision")
