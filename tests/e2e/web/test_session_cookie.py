"""The pages over HTTP without a browser, on both backends (the embedded SQLite default
and PostgreSQL): cookie flags, the line between pages (session + CSRF) and the API
(bearer token only), and every page of every role rendering."""
import pytest

from tests.e2e.web.pages import backend, fresh, page_token, sign_in  # noqa: F401
from tests.factories import PASSWORD


@pytest.fixture
def app_config():
    return {"session_cookie_secure": True}


def test_session_cookie_is_secure_httponly_and_samesite_when_configured(client, people):
    people.admin(username="guan")
    response = sign_in(client, "guan")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("hub_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in cookie


def test_a_page_session_is_no_credential_for_the_api(client, people):
    people.admin(username="guan")
    client.application.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks http
    assert sign_in(client, "guan").status_code == 302
    assert client.get("/admin/users").status_code == 200
    me = client.get("/api/v1/me")
    assert me.status_code == 401 and me.mimetype == "application/problem+json"


def test_the_api_needs_no_csrf_token_but_its_bearer(client, people):
    admin = people.admin()
    created = client.post("/api/v1/departments", json={"code": "tax", "name": "区税务局"},
                          headers=admin.headers)
    assert created.status_code == 201


def test_a_sign_in_form_without_its_token_is_refused(client, people):
    people.admin(username="guan")
    response = client.post("/login", data={"username": "guan", "password": PASSWORD})
    assert response.status_code == 400
    assert "表单已失效" in response.text
    client.application.config["SESSION_COOKIE_SECURE"] = False
    assert client.get("/admin/users").status_code == 302  # still signed out


def test_other_errors_of_the_pages_are_pages_too(client):
    # A form over the 1 MiB limit: refused with the app's status and words, as a page.
    response = client.post("/login", data={"username": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "请求体过大" in response.text and "请求体超过上限" in response.text
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_every_page_of_every_role_renders(client, people, session):
    from hub.approvals.forms import with_check_character
    from hub.approvals.models import ApprovalTask

    people.service_item()
    people.clerk(center="binhe", username="wang")
    people.approver("market", username="li")
    people.supervisor(username="official")
    people.admin(username="guan")
    client.application.config["SESSION_COOKIE_SECURE"] = False

    assert sign_in(client, "wang").headers["Location"] == "/cases"
    submitted = fresh(client, "POST", "/cases/new/open-restaurant", data={
        "csrf_token": page_token(client, "/cases/new/open-restaurant"),
        "applicant.name": "王小明", "applicant.id_number": with_check_character(
            "21010319850612002"), "applicant.phone": "13812345678",
        "form.shop_name": "老边饺子馆"})
    assert submitted.status_code == 302, submitted.text
    receipt = submitted.headers["Location"]
    assert receipt.endswith("/receipt")
    case = receipt.removesuffix("/receipt")
    task = session.query(ApprovalTask).one()
    pages = {
        "wang": ["/cases", "/cases/new", "/cases/new/open-restaurant", receipt, case, "/me"],
        "li": ["/queue", f"/tasks/{task.id}", case],
        "official": ["/dashboard", "/dashboard/centers/binhe",
                     "/dashboard/centers/binhe/departments/market", "/warnings", "/sync", case,
                     "/dashboard?from=2026-11-01&to=2026-11-30"],
        "guan": ["/admin/users", "/admin/users/new", "/admin/users/wang", "/admin/departments",
                 "/admin/items", "/admin/items/new", "/admin/items/open-restaurant",
                 "/admin/calendar", "/admin/calendar?year=2027", "/dashboard"],
    }
    for username, paths in pages.items():
        fresh(client, "POST", "/logout", data={"csrf_token": page_token(client, "/me")})
        assert sign_in(client, username).status_code == 302
        for path in paths:
            response = fresh(client, "GET", path)
            assert response.status_code == 200, (username, path, response.status_code)
            assert response.mimetype == "text/html" and "<html lang=\"zh-CN\">" in response.text
    for fmt in ("csv", "xlsx"):
        assert fresh(client, "GET", f"/dashboard/export/centers.{fmt}").status_code == 200
