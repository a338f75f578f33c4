"""Every page a person opens loads only what the hub itself serves (a government intranet
has no internet), under a Content-Security-Policy without inline scripts; screenshots
of the main pages at desktop and phone size."""
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from hub.approvals.forms import with_check_character
from hub.approvals.models import ApprovalTask
from tests.e2e.web.conftest import DESKTOP, PHONE, screenshot
from tests.e2e.web.test_walk import FORM, STAGES

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def visit(page, url, problems):
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    # No inline script anywhere (the policy would block it; there should be none to block).
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.content())
    assert "□" not in page.locator("body").inner_text()
    return page


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_main_pages_request_nothing_beyond_127_0_0_1(browser, people, server, session,
                                                      viewport):
    for code in ("market", "food", "fire"):
        people.department(code)
    people.service_item(code="open-restaurant", name="开办餐饮店", form=FORM, stages=STAGES)
    people.clerk(center="binhe", username="clerk.binhe")
    people.approver("market", username="market.li")
    people.supervisor(username="official")
    people.admin(username="guan")
    size = "desktop" if viewport is DESKTOP else "phone"
    problems: list[str] = []

    def watch(page):
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        return page

    login = watch(browser.page(viewport))
    visit(login, server.url + "/login", problems)
    screenshot(login, f"login-{size}")

    clerk = watch(browser.sign_in("clerk.binhe", viewport=viewport))
    visit(clerk, server.url + "/cases/new", problems)
    screenshot(clerk, f"clerk-choose-{size}")
    visit(clerk, server.url + "/cases/new/open-restaurant", problems)
    clerk.fill("#f-applicant-name", "王小明")
    clerk.fill("#f-applicant-id_number", with_check_character("21010319850612002"))
    clerk.fill("#f-applicant-phone", "13812345678")
    clerk.fill("#f-form-shop_name", "老边饺子馆")
    clerk.fill("#f-form-seats", "20")
    clerk.select_option("#f-form-cuisine", "热食类")
    screenshot(clerk, f"clerk-form-{size}")
    clerk.click("button[type=submit] >> text=提交受理")
    clerk.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}/receipt$"))
    screenshot(clerk, f"clerk-receipt-{size}")
    case_url = clerk.url.removesuffix("/receipt")
    visit(clerk, case_url, problems)
    screenshot(clerk, f"clerk-case-{size}")
    visit(clerk, server.url + "/cases", problems)
    screenshot(clerk, f"clerk-cases-{size}")

    approver = watch(browser.sign_in("market.li", viewport=viewport))
    visit(approver, server.url + "/queue", problems)
    screenshot(approver, f"approver-queue-{size}")
    task = session.scalars(select(ApprovalTask)).one()
    visit(approver, f"{server.url}/tasks/{task.id}", problems)
    screenshot(approver, f"approver-task-{size}")

    official = watch(browser.sign_in("official", viewport=viewport))
    for path, name in (("/dashboard", "official-dashboard"),
                       ("/dashboard/centers/binhe", "official-center"),
                       ("/dashboard/centers/binhe/departments/market", "official-department"),
                       ("/warnings", "official-warnings"), ("/sync", "official-sync")):
        visit(official, server.url + path, problems)
        screenshot(official, f"{name}-{size}")
    visit(official, case_url, problems)

    admin = watch(browser.sign_in("guan", viewport=viewport))
    for path, name in (("/admin/users", "admin-users"), ("/admin/departments", "admin-departments"),
                       ("/admin/items", "admin-items"),
                       ("/admin/items/open-restaurant", "admin-item"),
                       ("/admin/calendar", "admin-calendar")):
        visit(admin, server.url + path, problems)
        screenshot(admin, f"{name}-{size}")

    assert browser.requests, "the recorder saw nothing: it is not recording"
    leaving = [u for u in browser.requests
               if urlsplit(u).hostname != "127.0.0.1" and not u.startswith(("data:", "about:"))]
    assert leaving == []
    # Stylesheet, emblem, script: every asset came from the hub's own /static/.
    assets = {urlsplit(u).path for u in browser.requests if "/static/" in u}
    assert {"/static/css/hub.css", "/static/img/emblem.svg", "/static/js/hub.js"} <= assets
    assert problems == []  # no CSP violation, no script error, no failed load
