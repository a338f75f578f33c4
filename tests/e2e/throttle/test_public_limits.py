"""The rate limits of what anyone can reach without signing in (README, "Rate limits"),
at the mechanism: every route of the url_map that answers an anonymous caller carries a
limit and the request is counted under it (a new public route without one fails here);
a limit exhausted answers 429 problem+json with ``Retry-After`` (API.md's error format)
and the view does not run; the public pages' own actions (pre-review upload, progress
look-up, booking, cancelling) count against the same limits as the API's endpoints, so
the pages are no way around them. Over HTTP, both backends."""
from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import func, select

from hub.appointments.models import Appointment
from hub.materials.models import MaterialBlob
from hub.prereviews.models import PreReview
from hub.throttle.models import ThrottleWindow
from tests.e2e.conftest import booking
from tests.e2e.prereviews.test_prereviews_api import data as prereview_data
from tests.e2e.prereviews.test_prereviews_api import upload
from tests.e2e.web.pages import csrf_token, fresh
from tests.factories import pdf_bytes

PROBLEM = "application/problem+json"
ADDRESS = "127.0.0.1"  # the test client's
# Reachable without signing in, and rightly without a view's limit: the assets, the
# operations' endpoints (scraped and probed by the hall's own machines) and the sign-in
# pages, whose view counts every attempt itself (the ``signin`` scope and the delays of
# hub/directory/lockout.py, README "Sign-in throttling").
EXEMPT = {
    ("GET", "/static/<path:filename>"): "the style sheets, scripts and emblem",
    ("GET", "/healthz"): "operations", ("GET", "/readyz"): "operations",
    ("GET", "/metrics"): "operations", ("GET", "/openapi.json"): "operations",
    ("GET", "/login"): "the sign-in form", ("POST", "/login"): "counted by its view (signin)",
}


def limited(**rates: str) -> pytest.MarkDecorator:
    """This test's app with these rates (HUB_RATE_LIMITS), e.g. public_reads="3/600"."""
    text = ",".join(f"{scope.replace('_', '.')}={rate}" for scope, rate in rates.items())
    return pytest.mark.parametrize("app_config", [{"rate_limits": text}], ids=["limited"])


def hits(session, scope: str) -> int:
    return session.scalar(select(func.coalesce(func.sum(ThrottleWindow.hits), 0)).where(
        ThrottleWindow.scope == scope, ThrottleWindow.key == ADDRESS))


def handler_of(app, endpoint: str, method: str):
    view = app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)
    return getattr(view_class, method.lower()) if view_class else view


def example_path(rule) -> str:
    """The rule's address with a value of the right kind in each of its parts."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        values[name] = (uuid.uuid4() if kind == "UUIDConverter" else
                        sorted(converter.items)[0] if kind == "AnyConverter" else
                        "x" if kind in ("UnicodeConverter", "PathConverter") else 1)
    return rule.build(values, append_unknown=False)[1]


def signs_in_first(path: str, answer) -> bool:
    """What the hub answers an anonymous caller where one must sign in: 401 on the API,
    the login page for a page."""
    if answer.status_code == 401:
        return True
    return answer.status_code == 302 and "/login" in answer.headers.get("Location", "") \
        and not path.startswith("/api/")


def test_every_route_an_anonymous_caller_reaches_carries_a_limit_that_counts(
        app, client, session):
    public, unlimited, uncounted = [], [], []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = example_path(rule)
            scope = getattr(handler_of(app, rule.endpoint, method), "_hub_rate_limit", None)
            before = hits(session, scope) if scope else 0
            form = None
            if method != "GET" and not path.startswith("/api/"):
                # The anonymous session's form token, as a citizen's browser has it (got
                # afresh: a probe such as POST /logout starts a new session).
                form = {"csrf_token": csrf_token(client)}
            answer = fresh(client, method, path, data=form)
            assert answer.status_code < 500, (method, rule.rule, answer.status_code)
            if signs_in_first(path, answer):
                continue
            public.append((method, rule.rule))
            if (method, rule.rule) in EXEMPT:
                continue
            if scope is None:
                unlimited.append((method, rule.rule))
            elif hits(session, scope) != before + 1:
                uncounted.append((method, rule.rule, scope))
    assert unlimited == [], "\n".join(map(str, unlimited))
    assert uncounted == []
    # The walk saw the public site: its pages, its API, and every exemption still exists.
    assert {("GET", "/guide/<string:code>"), ("POST", "/prereview/<string:code>"),
            ("POST", "/progress"), ("POST", "/api/v1/public/prereviews"),
            ("GET", "/api/v1/public/guide/<string:service_item>"),
            ("POST", "/api/v1/public/appointments")} <= set(public)
    assert set(EXEMPT) <= set(public)
    assert len(public) - len(EXEMPT) >= 25


@limited(public_reads="3/600")
def test_public_reads_over_the_limit_are_429_problem_json_and_share_one_budget(
        client, desk, app_config):
    reads = ["/api/v1/public/guide/open-restaurant", "/api/v1/public/centers",
             "/api/v1/public/centers/binhe/windows"]
    assert [client.get(path).status_code for path in reads] == [200, 200, 200]
    for path in reads + ["/api/v1/public/appointments/slots?center=binhe"
                         "&service_item=open-restaurant&date=2026-12-01"]:
        refused = client.get(path)
        assert refused.status_code == 429, path
        assert refused.mimetype == PROBLEM
        assert refused.json["status"] == 429 and refused.json["title"] == "请求过于频繁"
        retry_after = int(refused.headers["Retry-After"])
        assert 0 < retry_after <= 2 * 600  # the previous window still weighs
        assert refused.json["detail"] == f"请求过于频繁，请 {retry_after} 秒后再试"
    # Another address has a budget of its own.
    other = client.get(reads[0], environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert other.status_code == 200 and other.json["code"] == "open-restaurant"


@limited(public_prereviews="2/3600")
def test_pre_review_uploads_over_the_limit_store_nothing(client, desk, session, app_config):
    assert [upload(client).status_code for _ in range(2)] == [201, 201]
    stored = (session.scalar(select(func.count()).select_from(PreReview)),
              session.scalar(select(func.count()).select_from(MaterialBlob)))
    refused = upload(client, files=[("营业执照.pdf", pdf_bytes("another"))])
    assert refused.status_code == 429 and refused.mimetype == PROBLEM
    assert int(refused.headers["Retry-After"]) > 0
    assert (session.scalar(select(func.count()).select_from(PreReview)),
            session.scalar(select(func.count()).select_from(MaterialBlob))) == stored == (2, 2)


# -- The pages' own actions count against the API's limits ----------------------------------


def page_form(client, path: str, data: dict, **kwargs):
    """Post a public page's form with the session's token (the cancel page always has one)."""
    token = csrf_token(client, "/book/cancel")
    return fresh(client, "POST", path, data={**data, "csrf_token": token}, **kwargs)


@limited(public_progress="3/600")
def test_progress_look_ups_on_the_page_share_the_apis_limit(client, desk, book, app_config):
    made = book().json
    assert client.get(f"/api/v1/public/progress/{made['number']}",
                      query_string={"code": "AAAA-BBBB"}).status_code == 404
    for _ in range(2):
        wrong = page_form(client, "/progress", {"number": made["number"], "code": "AAAA-BBBB"})
        assert wrong.status_code == 404 and "查询码不正确" in wrong.get_data(as_text=True)
    # The fourth guess, even with the right code, is not looked up.
    refused = page_form(client, "/progress", {"number": made["number"], "code": made["code"]})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert "请求过于频繁" in page and "已预约" not in page
    assert client.get(f"/api/v1/public/progress/{made['number']}",
                      query_string={"code": made["code"]}).status_code == 429


@limited(public_prereviews="1/3600")
def test_a_pre_review_sent_from_the_page_shares_the_uploads_limit(
        client, desk, session, app_config):
    assert upload(client).status_code == 201
    body = prereview_data()
    refused = page_form(client, "/prereview/open-restaurant", {
        "center": "binhe", "applicant.name": body["applicant"]["name"],
        "applicant.id_number": body["applicant"]["id_number"],
        "applicant.phone": body["applicant"]["phone"], "form.shop_name": "老边饺子馆",
        "files": (io.BytesIO(pdf_bytes("page")), "营业执照.pdf")},
        content_type="multipart/form-data")
    # Refused on the form, what was typed kept, with the limit's own status and wait.
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    page = refused.get_data(as_text=True)
    assert "<h1>网上预审：开办餐饮店</h1>" in page and "请求过于频繁" in page
    assert "老边饺子馆" in page and 'id="receipt-number"></strong>' in page  # no number
    assert session.scalar(select(func.count()).select_from(PreReview)) == 1
    assert session.scalar(select(func.count()).select_from(MaterialBlob)) == 2


@limited(public_appointments="2/3600")
def test_booking_and_cancelling_on_the_pages_share_the_bookings_limit(client, desk, session,
                                                                      app_config):
    made = client.post("/api/v1/public/appointments", json=booking())
    assert made.status_code == 201
    cancelled = page_form(client, "/book/cancel", {"number": made.json["number"],
                                                   "code": made.json["code"]})
    assert cancelled.status_code == 200 and "已取消预约" in cancelled.get_data(as_text=True)
    body = booking(slot="pm")
    refused = page_form(client, "/book", {
        "item": "open-restaurant", "center": "binhe", "date": body["date"], "slot": "pm",
        "applicant.name": "王小明", "applicant.id_number": body["applicant"]["id_number"],
        "applicant.phone": "13812345678"})
    # On the form, what was typed kept, with the limit's own status and wait.
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "请求过于频繁" in refused.get_data(as_text=True)
    assert "<h1>网上预约</h1>" in refused.get_data(as_text=True)
    assert sorted(session.scalars(select(Appointment.status))) == ["cancelled"]
    # Cancelling, too, is counted: the page's cancel is refused before the code is read.
    again = page_form(client, "/book/cancel", {"number": made.json["number"], "code": "x"})
    assert again.status_code == 429


@limited(public_pages="5/600")
def test_public_pages_over_the_limit_get_the_public_error_page(client, desk, app_config):
    pages = ["/", "/guide", "/guide/open-restaurant", "/hall/binhe", "/book"]
    assert [client.get(path).status_code for path in pages] == [200] * 5
    refused = client.get("/prereview")
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert int(refused.headers["Retry-After"]) > 0
    assert "请求过于频繁" in refused.get_data(as_text=True)
    # The API's reads keep their own budget.
    assert client.get("/api/v1/public/guide/open-restaurant").status_code == 200
