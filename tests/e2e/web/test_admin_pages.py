"""The administrator's pages in the browser: staff, departments, service items, calendar."""
import datetime as dt
import json

import pytest
from sqlalchemy import select

from hub.approvals.models import CalendarDay, CalendarYear
from hub.catalog.models import ServiceItem
from hub.directory.models import User
from tests.e2e.web.conftest import PHONE, screenshot
from tests.factories import service_item_definition

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_admin_adds_a_staff_account_after_fixing_what_the_directory_refuses(
        browser, people, server, session):
    people.admin(username="guan")
    people.department("market", "区市场监督管理局")
    page = browser.sign_in("guan")
    page.click("text=新增账号")
    page.fill("#f-username", "li.approver")
    page.fill("#f-display_name", "李审批")
    page.select_option("#f-center", "district")
    page.uncheck("input[name=roles][value=clerk]")
    page.check("input[name=roles][value=approver]")
    page.fill("#f-password", "short")
    page.click("button[type=submit] >> text=保存")
    # Each refusal sits beside its field, in Chinese; nothing is written. The schema's
    # refusal first (as the API's 422), then the directory's own check.
    assert "密码长度须为 8–256 位" in page.locator(
        ".field[data-field=password] .field-error").inner_text()
    page.fill("#f-password", "a long enough password")
    page.click("button[type=submit] >> text=保存")
    assert "审批人和首席代表必须属于一个部门" in page.locator(
        ".field[data-field=department] .field-error").inner_text()
    assert page.locator("#f-department").get_attribute("aria-invalid") == "true"
    assert session.scalars(select(User).where(User.username == "li.approver")).first() is None
    screenshot(page, "admin-user-form-errors")

    page.select_option("#f-department", "market")
    page.fill("#f-password", "a long enough password")
    page.click("button[type=submit] >> text=保存")
    assert "已创建账号 li.approver" in page.locator(".flash").inner_text()
    user = session.scalars(select(User).where(User.username == "li.approver")).one()
    assert (user.department_code, user.roles, user.center_code) == ("market", ["approver"],
                                                                    "district")
    assert page.locator("td", has_text="李审批").count() == 1
    screenshot(page, "admin-users-desktop")


def test_admin_defines_a_service_item_and_sees_its_stages(browser, people, server, session):
    people.admin(username="guan")
    for code in ("market", "food", "fire", "environment"):
        people.department(code)
    page = browser.sign_in("guan")
    page.goto(server.url + "/admin/items/new")
    definition = service_item_definition("open-cafe", name="开办咖啡馆")
    page.fill("#f-code", "open-cafe")
    page.fill("#f-name", "开办咖啡馆")
    page.fill("#f-promised_days", "10")
    page.fill("#f-form", json.dumps(definition["form"], ensure_ascii=False))
    stages = json.loads(json.dumps(definition["stages"]))
    stages[1]["tasks"][0]["department"] = "nowhere"
    page.fill("#f-stages", json.dumps(stages))
    page.click("button[type=submit] >> text=保存")
    assert "未知的部门：nowhere" in page.locator(
        ".field[data-field=stages] .field-error").inner_text()
    assert session.get(ServiceItem, "open-cafe") is None

    page.fill("#f-stages", json.dumps(definition["stages"]))
    page.click("button[type=submit] >> text=保存")
    assert "已添加办事事项 开办咖啡馆" in page.locator(".flash").inner_text()
    assert page.locator(".stage").count() == 2
    assert "会签" in page.locator(".stage").nth(1).inner_text()
    assert session.get(ServiceItem, "open-cafe").stages == definition["stages"]
    screenshot(page, "admin-item-desktop")


def test_admin_publishes_a_year_of_the_working_day_calendar(browser, people, server, session):
    people.admin(username="guan")
    page = browser.sign_in("guan", viewport=PHONE)
    page.goto(server.url + "/admin/calendar?year=2027")
    assert "暂定" in page.locator(".panel").first.inner_text()
    page.fill("#f-holidays", "2027-01-01\n2027-02-30")
    page.fill("#f-workdays", "2027-02-07")
    page.click("button[type=submit] >> text=发布")
    assert "无法识别的日期：2027-02-30" in page.locator(
        ".field[data-field=holidays] .field-error").inner_text()
    assert session.get(CalendarYear, 2027) is None

    page.fill("#f-holidays", "2027-01-01\n2027-02-05, 2027-02-08")
    page.click("button[type=submit] >> text=发布")
    assert "已发布 2027 年工作日历" in page.locator(".flash").inner_text()
    days = {d.day: d.kind for d in session.scalars(
        select(CalendarDay).where(CalendarDay.year == 2027))}
    assert days == {dt.date(2027, 1, 1): "holiday", dt.date(2027, 2, 5): "holiday",
                    dt.date(2027, 2, 8): "holiday", dt.date(2027, 2, 7): "workday"}
    assert "正式" in page.locator(".panel").first.inner_text()
    screenshot(page, "admin-calendar-phone")


def test_pages_of_another_role_are_refused(browser, people, server):
    people.clerk(username="wang")
    page = browser.sign_in("wang")
    response = page.goto(server.url + "/admin/users")
    assert response.status == 403
    assert "无权执行此操作" in page.locator("h1").inner_text()
