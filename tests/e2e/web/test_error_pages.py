"""Accounts and errors in the pages (issue 21, item 11), over HTTP on both backends:
the account page in names, refusals in Chinese without a permission code, a page for a
bad address (the API keeps problem+json)."""
import re

import pytest

from tests.e2e.web.pages import backend, fresh, sign_in  # noqa: F401


@pytest.fixture
def staff(people, client):
    people.department("market", "区市场监督管理局")
    people.approver("market", username="li", center="binhe")
    people.clerk(center="binhe", username="wang")
    client.application.config["SESSION_COOKIE_SECURE"] = False


def text_of(html):
    return re.sub(r"<[^>]+>", " ", html)


def test_my_account_shows_names_not_codes(client, staff):
    sign_in(client, "li")
    page = text_of(fresh(client, "GET", "/me").text)
    assert "滨河街道政务服务中心" in page and "区市场监督管理局" in page and "审批人" in page
    assert "binhe" not in page and "market" not in page and "approver" not in page


def test_a_refused_page_says_in_chinese_what_is_not_allowed(client, staff):
    sign_in(client, "li")
    for path in ("/cases", "/cases/new", "/admin/users"):
        response = fresh(client, "GET", path)
        assert response.status_code == 403 and response.mimetype == "text/html"
        page = text_of(response.text)
        assert "当前账号无权" in page and "审批人" in page
        # No rule code (applications.list, users.write, …) anywhere on the page.
        assert not re.search(r"\b[a-z_]+\.[a-z_]+\b", page), page


def test_the_api_refusal_has_no_rule_code_either(client, people):
    clerk = people.clerk()
    response = client.get("/api/v1/users", headers=clerk.headers)
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert response.json["detail"] == "当前账号无权查看工作人员"


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_bad_address_in_the_pages_is_a_chinese_page(client, staff, signed_in):
    if signed_in:
        sign_in(client, "wang")
    response = fresh(client, "GET", "/cases-typo/123")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "页面不存在" in response.text and "<html lang=\"zh-CN\">" in response.text
    # The staff's frame when signed in, the public site's otherwise.
    assert ("退出" in response.text) is signed_in
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    wrong_method = fresh(client, "GET", "/logout")
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "text/html"
    assert "POST" in wrong_method.headers["Allow"]


def test_the_api_keeps_problem_json_for_a_bad_address(client):
    for path in ("/api/v1/no-such-thing", "/api/v1/applications/x/y/z"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == 404
    assert client.delete("/healthz").mimetype == "application/problem+json"
