"""The administrator's pages in the browser: staff, departments, service items, calendar."""
import datetime as dt

import pytest
from sqlalchemy import select

from hub.approvals.models import CalendarDay, CalendarYear
from hub.catalog.models import ServiceItem
from hub.directory.models import User
from tests.e2e.web.conftest import PHONE, screenshot

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
    # Each refusal sits beside its field, in Chinese; nothing is written: the password
    # policy's and the directory's own checks at once.
    assert "密码至少 10 位" in page.locator(
        ".field[data-field=password] .field-error").inner_text()
    page.fill("#f-password", "password2026!")
    page.click("button[type=submit] >> text=保存")
    assert "常见密码" in page.locator(".field[data-field=password] .field-error").inner_text()
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


def test_admin_drafts_a_service_item_in_the_form_editor_and_publishes_it(
        browser, people, server, session):
    people.admin(username="guan")
    for code, name in (("market", "区市场监督管理局"), ("food", "区食品药品监督管理局")):
        people.department(code, name)
        people.approver(code)
    people.department("fire", "区消防救援大队")  # nobody approves for fire yet
    page = browser.sign_in("guan")
    page.goto(server.url + "/admin/items/new")
    page.fill("#f-code", "open-cafe")
    page.fill("#f-name", "开办咖啡馆")
    page.fill("#f-promised_days", "6")
    # No JSON: fields and stages are rows of inputs, added with buttons.
    page.click("button >> text=添加字段")
    page.fill("#f-f0-name", "seats")
    page.fill("#f-f0-label", "座位数")
    page.select_option("#f-f0-type", "integer")
    page.fill("#f-f0-min", "10")
    page.fill("#f-f0-max", "5")
    page.select_option("#f-f0-departments", ["market", "fire"])
    page.check("input[name='f0.required']")
    page.fill("#f-s0-days-market", "3")
    page.click("button >> text=添加阶段")
    assert page.locator("#f-f0-label").input_value() == "座位数"  # kept across the post
    page.select_option("#f-s1-mode", "any")
    page.fill("#f-s1-days-food", "4")
    page.fill("#f-s1-days-fire", "4")
    page.click("button[type=submit] >> text=保存草稿")
    assert "最小值不能大于最大值" in page.locator(".error-summary").inner_text()
    assert page.locator("#f-f0-max").get_attribute("aria-invalid") == "true"
    assert session.get(ServiceItem, "open-cafe") is None
    page.fill("#f-f0-min", "0")
    page.fill("#f-f0-max", "200")
    page.click("button[type=submit] >> text=保存草稿")
    assert "已保存办事事项 开办咖啡馆 的草稿" in page.locator(".flash-message").inner_text()
    assert "无人可办" in page.locator(".flash-warning").inner_text()
    problems = page.locator(".publication-problems").inner_text()
    assert "各阶段时限之和为 7 个工作日" in problems and "区消防救援大队没有在岗" in problems
    screenshot(page, "admin-item-editor-problems")
    page.click("button >> text=保存并发布")
    summary = page.locator(".error-summary").inner_text()
    assert "各阶段时限之和为 7 个工作日" in summary and "无人可办" in summary
    assert session.get(ServiceItem, "open-cafe").published_at is None
    # The fire step goes (or-sign with food alone), the promise is kept: published.
    page.fill("#f-s1-days-fire", "")
    page.fill("#f-promised_days", "8")
    page.click("button >> text=保存并发布")
    assert "已发布办事事项 开办咖啡馆（第 1 版）" in page.locator(".flash-message").inner_text()
    item = session.get(ServiceItem, "open-cafe")
    session.refresh(item)
    assert item.published_at is not None and item.draft is None
    assert item.stages == [{"mode": "all", "tasks": [{"department": "market", "days": 3}]},
                           {"mode": "any", "tasks": [{"department": "food", "days": 4}]}]
    assert item.form[0] == {"name": "seats", "label": "座位数", "type": "integer",
                            "required": True, "departments": ["fire", "market"],
                            "min": 0, "max": 200}
    screenshot(page, "admin-item-editor-published")


def test_admin_stops_an_item_at_some_centers_and_a_department(browser, people, server,
                                                               session):
    people.admin(username="guan")
    people.service_item()
    page = browser.sign_in("guan")
    page.goto(server.url + "/admin/items/open-restaurant")
    page.check("input[name=everywhere][value='0']")
    page.check("input[name=centers][value=binhe]")
    page.click("button >> text=保存受理范围")
    assert "受理新的申请；滨河街道政务服务中心" in page.locator(".flash-message").inner_text()
    assert session.get(ServiceItem, "open-restaurant").centers == ["binhe"]
    page.check("input[name=active][value='0']")
    page.click("button >> text=保存受理范围")
    assert "已停办" in page.locator(".item-state").inner_text()
    page.goto(server.url + "/admin/departments")
    page.locator("tr", has_text="market 局").locator("button", has_text="停用").click()
    assert "已停用market 局" in page.locator(".flash-message").inner_text()
    assert "已停用" in page.locator("tr", has_text="market 局").inner_text()
    screenshot(page, "admin-departments-stopped")


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


def test_admin_sees_a_restricted_account_and_lifts_its_restriction(browser, people, server,
                                                                     session):
    import requests

    from hub.audit.models import AuditRecord
    from tests.factories import PASSWORD

    people.admin(username="guan")
    people.clerk(username="wang", center="binhe")

    def token(password):
        return requests.post(f"{server.url}/api/v1/auth/token", timeout=10,
                             json={"username": "wang", "password": password})

    for _ in range(5):
        assert token("wrong password").status_code == 401
    assert token(PASSWORD).status_code == 429
    page = browser.sign_in("guan")
    page.goto(server.url + "/admin/users")
    row = page.locator("tr", has_text="wang")
    assert "登录受限" in row.inner_text()
    row.locator("a", has_text="wang").click()
    assert "1 个地址因连续输错密码须等待" in page.locator("#signin-state + p").inner_text()
    screenshot(page, "admin-user-sign-in-restricted")
    page.click("button >> text=解除登录锁定")
    assert "已解除账号 wang 的登录锁定" in page.locator(".flash").inner_text()
    assert "没有登录限制" in page.content()
    assert token(PASSWORD).status_code == 200
    lifted = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "signin.unlocked")).one()
    assert (lifted.actor, lifted.target_id, lifted.center) == ("guan", "wang", "binhe")
