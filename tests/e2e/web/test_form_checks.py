"""The checks a government form needs (issue 21, item 5) in the browser: the window clerk
and a citizen on the public site's pre-review meet the same item definition's checks,
each message beside its field and what the item allows said in the field's hint."""
import re

import pytest
from sqlalchemy import func, select

from hub.approvals.models import Application
from hub.prereviews.models import PreReview
from tests.e2e.approvals.test_form_checks_api import FORM
from tests.e2e.conftest import id_number, window_definition
from tests.e2e.web.conftest import PHONE, screenshot
from tests.factories import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def item(people):
    for code, name in (("market", "区市场监督管理局"), ("fire", "区消防救援大队")):
        people.department(code, name)
    people.service_item(code="open-restaurant", form=FORM, stages=[
        {"mode": "all", "tasks": [{"department": "market", "days": 3},
                                  {"department": "fire", "days": 3}]}])
    people.guide()
    people.windows("binhe", window_definition("A02", floor=1, name="市场监管窗口"))
    people.clerk(center="binhe", username="clerk.binhe")


def fill_bad(page):
    page.fill("#f-form-shop_name", "老边饺子馆")
    page.fill("#f-form-seats", "-5")
    page.fill("#f-form-area_m2", "1e9")
    page.fill("#f-form-opening", "2026-11-01")
    page.fill("#f-form-credit_code", "91350100M000100Y44")


def error_of(page, name):
    return page.locator(f".field[data-field='form.{name}'] .field-error").inner_text()


def test_the_clerk_meets_ranges_dates_and_the_credit_code(browser, item, server, session):
    clerk = browser.sign_in("clerk.binhe")
    clerk.goto(server.url + "/cases/new/open-restaurant")
    hints = clerk.locator("main form").inner_text()
    assert "范围 0–2000" in hints and "不早于受理当日" in hints and "含校验位" in hints
    assert clerk.locator("#f-form-opening").get_attribute("min") == "2026-11-30"
    clerk.fill("#f-applicant-name", "王小明")
    clerk.fill("#f-applicant-id_number", id_number())
    clerk.fill("#f-applicant-phone", "13812345678")
    fill_bad(clerk)
    clerk.click("button[type=submit] >> text=提交受理")
    assert error_of(clerk, "seats").endswith("不能小于 0")
    assert error_of(clerk, "area_m2").endswith("不能大于 10000")
    assert error_of(clerk, "opening").endswith("不能早于受理当日（2026-11-30）")
    assert error_of(clerk, "credit_code").endswith("统一社会信用代码校验位不符，请核对")
    assert "提交未成功，请修改以下 4 处" in clerk.locator(".error-summary").inner_text()
    screenshot(clerk, "clerk-form-checks")
    assert session.scalar(select(func.count()).select_from(Application)) == 0
    # Corrected (the code typed in lower case with spaces), the case is accepted.
    clerk.fill("#f-form-seats", "24")
    clerk.fill("#f-form-area_m2", "85.5")
    clerk.fill("#f-form-opening", "2026-12-15")
    clerk.fill("#f-form-credit_code", "91350100 m000100 y43")
    clerk.click("button[type=submit] >> text=提交受理")
    clerk.wait_for_url(re.compile(r".*/receipt$"))
    form = session.scalars(select(Application.form)).one()
    assert form["credit_code"] == "91350100M000100Y43" and form["seats"] == 24


def test_a_citizen_meets_the_same_checks_in_the_pre_review(browser, item, server, session,
                                                           tmp_path):
    scan = tmp_path / "营业执照.pdf"
    scan.write_bytes(pdf_bytes())
    page = browser.page(PHONE)
    page.goto(server.url + "/prereview/open-restaurant")
    page.select_option("#f-center", "binhe")
    page.fill("#f-applicant-name", "李四")
    page.fill("#f-applicant-id_number", id_number())
    page.fill("#f-applicant-phone", "13912345678")
    fill_bad(page)
    page.set_input_files("#f-files", [str(scan)])
    page.click("#prereview-submit")
    page.wait_for_selector(".field-error")
    assert error_of(page, "seats").endswith("不能小于 0")
    assert error_of(page, "credit_code").endswith("校验位不符，请核对")
    screenshot(page, "public-prereview-form-checks-phone")
    assert session.scalar(select(func.count()).select_from(PreReview)) == 0
