"""The pages over HTTP without a browser: sign in with the login form, read a page's
CSRF token, post a page's form; both backends for the pages' HTTP tests."""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Both backends (the browser tests of this folder run on PostgreSQL only): import
    this fixture into an HTTP test module of the pages."""
    return request.param


def fresh(client: Any, method: str, path: str, **kwargs: Any) -> Any:
    """One request in its own application context, as a server gives it: the test's
    long-lived context would otherwise carry ``g`` (the form token) from one to the next."""
    with client.application.app_context():
        return client.open(path, method=method, **kwargs)


def csrf_token(client: Any, path: str = "/login") -> str:
    """The form token a page carries (the session's: any page gives the same one)."""
    found = _TOKEN.search(fresh(client, "GET", path).get_data(as_text=True))
    assert found, f"no form token on {path}"
    return found.group(1)


page_token = csrf_token


def signed_in(client: Any, person: Any, password: str = PASSWORD) -> str:
    """Sign ``person`` in through the login form; the session's form token."""
    response = fresh(client, "POST", "/login", data={
        "username": person.username, "password": password, "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return csrf_token(client, "/me")


def sign_in(client: Any, username: str) -> Any:
    """Sign in as ``username``; the login form's response."""
    return fresh(client, "POST", "/login", data={
        "username": username, "password": PASSWORD, "csrf_token": csrf_token(client)})


def post_form(client: Any, path: str, data: dict[str, Any], *, token_from: str | None = None
              ) -> Any:
    """POST a page's form with the CSRF token of the page it is on (``token_from``,
    by default the same address)."""
    token = csrf_token(client, token_from or path)
    return fresh(client, "POST", path, data={**data, "csrf_token": token})
