"""A synced case in the browser (issue 21, item 7), as the window clerk of its center:
a read-only record of the center's own system with what is known, no "电话 None", no
empty stages, no withdraw form."""
import pytest
from sqlalchemy import select

from adapters.sample.data import application_records
from hub.approvals.models import Application
from tests.e2e.web.conftest import PHONE, screenshot
from tests.integration.sync.conftest import fake_center, http_center, sync  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_the_clerk_sees_a_synced_case_as_its_systems_record(
        app, browser, server, people, http_center, session):  # noqa: F811
    http_center.put_many("applications", list(application_records(
        "binhe", 8, items=("open-restaurant",))))
    [run] = sync(app, stream="applications")
    assert run.status == "succeeded"
    people.clerk(center="binhe", username="clerk.binhe")
    case = session.scalars(select(Application).where(Application.status == "in_review")).first()

    clerk = browser.sign_in("clerk.binhe", viewport=PHONE)
    row = clerk.locator("table.cases tbody tr", has_text=case.number)
    assert "系统同步" in row.inner_text()
    row.locator("a").click()
    clerk.wait_for_url(f"**/cases/{case.id}")
    page = clerk.locator("main").inner_text()
    assert "自有业务系统受理" in page and case.external_id in page
    applicant = page.split("申请人")[1].split("受理时间")[0]
    assert "None" not in page and "· 电话" not in applicant
    assert "业务系统未提供联系电话" in applicant
    assert "数据中心只收到办件的状态：审批中" in clerk.locator(".synced-stages").inner_text()
    assert clerk.locator(".stage").count() == 0
    assert clerk.locator("form.withdraw-form").count() == 0
    assert "业务系统未同步表单内容" in page
    screenshot(clerk, "clerk-synced-case-phone", full_page=True)
    # The receipt of a synced case is its own system's: the page says why, nothing more.
    clerk.goto(f"{server.url}/cases/{case.id}/receipt")
    assert "中心自有业务系统" in clerk.locator(".error-panel").inner_text()
