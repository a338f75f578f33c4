"""The page session over HTTP (no browser): cookie flags when configured Secure, and the
line between pages (session + CSRF) and the API (bearer token only)."""
import re

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_config():
    return {"session_cookie_secure": True}


def page_token(client, path="/login"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def sign_in(client, username):
    return client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": page_token(client)})


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
