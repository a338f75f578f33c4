"""Signing in and out of the pages in the browser: cookie flags, CSRF, throttling."""
import datetime as dt

import pytest

from tests.e2e.web.conftest import PHONE, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_sign_in_sets_a_strict_session_cookie_and_sign_out_ends_it(browser, people, server):
    people.admin(username="guan")
    page = browser.sign_in("guan")
    assert page.url.endswith("/admin/users")
    assert page.locator(".who-name").inner_text() != ""
    cookie = next(c for c in page.context.cookies() if c["name"] == "hub_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # HUB_SESSION_COOKIE_SECURE is off in tests

    page.click("text=退出")
    page.wait_for_url("**/login")
    # The old cookie is gone and its token revoked: the admin pages ask to sign in again.
    page.goto(server.url + "/admin/users")
    assert "/login" in page.url
    assert page.locator("h1").inner_text() == "工作人员登录"


def test_wrong_password_shows_a_chinese_message_and_repeated_failures_are_throttled(
        browser, people, server, app):
    people.clerk(username="wang")
    page = browser.page()
    page.goto(server.url + "/login")
    screenshot(page, "login-desktop")
    for _ in range(5):
        page.fill("#f-username", "wang")
        page.fill("#f-password", "wrong password")
        page.click("button[type=submit]")
        assert "用户名或密码错误" in page.locator(".form-errors").inner_text()
    page.fill("#f-username", "wang")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    assert "登录失败次数过多" in page.locator(".form-errors").inner_text()
    app.extensions["hub.clock"].advance(dt.timedelta(minutes=16))
    page.fill("#f-username", "wang")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/cases")


def test_empty_fields_get_their_message_beside_them(browser, server):
    page = browser.page(PHONE)
    page.goto(server.url + "/login")
    page.click("button[type=submit]")
    message = page.locator(".field[data-field=username] .field-error")
    assert message.inner_text() == "请输入用户名"
    assert page.locator("#f-username").get_attribute("aria-invalid") == "true"
    screenshot(page, "login-phone-errors")


def test_a_post_without_the_csrf_token_is_refused(browser, people, server, session):
    from hub.directory.models import Department

    people.admin(username="guan")
    page = browser.sign_in("guan")
    # The signed-in browser's own cookie, but a form posted without the token (as a
    # forged cross-site form would be): refused, nothing written.
    response = page.request.post(server.url + "/admin/departments",
                                 form={"code": "forged", "name": "伪造部门"})
    assert response.status == 400
    assert "表单已失效" in response.text()
    assert session.get(Department, "forged") is None
    # With the page's own token, the same form goes through.
    page.goto(server.url + "/admin/departments")
    page.fill("#f-code", "forged")
    page.fill("#f-name", "真实部门")
    page.click("form[method=post] button[type=submit] >> text=添加")
    assert "已添加部门" in page.locator(".flash").inner_text()
    assert session.get(Department, "forged").name == "真实部门"


def test_next_only_goes_to_this_site(browser, people, server):
    people.admin(username="guan")
    page = browser.page()
    page.goto(server.url + "/login?next=//example.com/x")
    page.fill("#f-username", "guan")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.startswith(server.url + "/admin/users")


def change_password(page, current, new, confirm):
    page.fill("#f-current_password", current)
    page.fill("#f-new_password", new)
    page.fill("#f-confirm_password", confirm)
    page.click("main button[type=submit]")


def test_an_initial_password_leads_to_the_change_page_until_it_is_changed(browser, people,
                                                                         server, session):
    from sqlalchemy import update

    from hub.directory.models import User

    clerk = people.clerk(username="xin", center="binhe")
    session.execute(update(User).where(User.id == clerk.user.id)
                    .values(must_change_password=True))
    page = browser.page(PHONE)
    page.goto(server.url + "/login")
    page.fill("#f-username", "xin")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit] >> text=登录")
    page.wait_for_url("**/me/password")
    assert "初始密码或重置密码" in page.locator(".form-errors").inner_text()
    page.goto(server.url + "/cases")  # nothing else until it is changed
    assert page.url.endswith("/me/password")
    screenshot(page, "password-change-required-phone")
    change_password(page, PASSWORD, "password2026!", "password2026!")
    assert "常见密码" in page.locator(".field[data-field=new_password] .field-error").inner_text()
    assert page.locator("#f-new_password").get_attribute("aria-invalid") == "true"
    change_password(page, PASSWORD, "my own hall passphrase", "my own hall passphrase")
    page.wait_for_url("**/cases")
    assert "密码已修改" in page.locator(".flash").inner_text()
    session.expire_all()
    assert session.get(User, clerk.user.id).must_change_password is False


def test_staff_change_their_own_password_from_their_account_page(browser, people, server):
    people.approver("market", username="mei")
    page = browser.sign_in("mei")
    page.goto(server.url + "/me")
    page.click("text=修改密码")
    change_password(page, PASSWORD, "a brand new passphrase", "a brand new passphrase!")
    assert "两次输入的新密码不一致" in page.locator(
        ".field[data-field=confirm_password] .field-error").inner_text()
    change_password(page, PASSWORD, "a brand new passphrase", "a brand new passphrase")
    page.wait_for_url("**/queue")
    assert "密码已修改" in page.locator(".flash").inner_text()
