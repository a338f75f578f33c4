"""What a client sends reaches the views through one mechanism each, whatever the route: one
decoding of request JSON, one cursor codec (signed: it reads only cursors it made), one
date-range parser. Each test below walks every route or operation concerned, so a new one
is held to the same answer (a 4xx naming the field, never a 500) without code of its own."""
from __future__ import annotations

import base64
import json
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.views import MethodView
from flask_smorest import Blueprint
from itsdangerous import URLSafeSerializer

from tests.e2e.web.pages import signed_in

PROBLEM = "application/problem+json"


def operations(client: Any, person: Any) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").get_json()
    return [(method.upper(), path, op) for path, item in spec["paths"].items()
            for method, op in item.items() if method in ("get", "post", "put", "patch")]


def query_params(op: dict[str, Any]) -> set[str]:
    return {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}


# -- One decoding of request JSON ------------------------------------------------------------


def test_a_lone_surrogate_on_the_unauthenticated_token_endpoint_is_400(client):
    for body in ('{"username": "\\ud800", "password": "x"}',
                 b'{"username": "admin", "password": "\xed\xa0\x80"}'):
        response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.mimetype == PROBLEM
        assert set(response.json["errors"]) <= {"username", "password"}


def test_every_json_operation_refuses_what_the_hub_cannot_hold_naming_the_field(client, people):
    admin = people.admin()
    bodies = {'{"x": "\\udfff"}': "x", '{"x": 1, "y": [NaN]}': "y.0",
              '{"x": %s}' % ("9" * 5000): "x", '{"x": {"y": Infinity}}': "x.y"}
    tried = 0
    for method, path, op in operations(client, admin):
        if "requestBody" not in op:
            continue
        url = path.replace("{", "").replace("}", "")  # any path: the body is refused first
        for body, field in bodies.items():
            response = client.open(url, method=method, data=body, headers=admin.headers,
                                   content_type="application/json")
            assert response.status_code == 400, (method, path, response.get_data(as_text=True))
            assert response.mimetype == PROBLEM and response.json["errors"] == {
                field: response.json["errors"][field]}, (method, path)
            tried += 1
    assert tried >= 40  # every operation with a body (16 or so) × 4


@pytest.fixture
def app_with_a_new_endpoint(app: Flask) -> Flask:
    """An endpoint added the way a careless new module might (flask-smorest's own
    Blueprint, a JSON body, a view that encodes what it gets): the app's one decoding
    still stands in front of it."""
    blp = Blueprint("late", __name__, url_prefix="/api/v1/late")

    class Body(ma.Schema):
        name = ma.fields.String(required=True)

    @blp.route("")
    class Late(MethodView):
        @blp.arguments(Body)
        @blp.response(200, Body)
        def post(self, body: dict[str, Any]) -> Any:
            body["name"].encode()  # what the database, a hash or a log line would do
            return body

    app.extensions["hub.api"].register_blueprint(blp)
    return app


def test_a_new_endpoint_is_behind_the_one_decoding(app_with_a_new_endpoint, people):
    client = app_with_a_new_endpoint.test_client()
    headers = people.admin().headers
    assert client.post("/api/v1/late", json={"name": "张三"}, headers=headers).json == {
        "name": "张三"}
    response = client.post("/api/v1/late", data='{"name": "\\ud800"}', headers=headers,
                           content_type="application/json")
    assert response.status_code == 400 and response.json["errors"] == {
        "name": ["含有无效的 Unicode 字符（孤立的代理项）"]}


def test_a_deceiving_character_in_the_item_editor_is_that_fields_message(client, people, app):
    # The item editor once took JSON areas (where a lone surrogate could hide behind an
    # escape); its fields are inputs now, each read by hub.fields like any other text.
    people.department("market")
    token = signed_in(client, people.admin())
    response = client.post("/admin/items/new", data={
        "csrf_token": token, "code": "x-item", "name": "事项", "promised_days": "5",
        "yellow_days": "1", "field_rows": "1", "f0.name": "a", "f0.label": "甲\u202e乙",
        "f0.type": "string", "stage_rows": "1", "s0.mode": "all", "s0.days.market": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "双向文本控制符" in page and 'id="f-f0-label-error"' in page


# -- One cursor codec, signed ------------------------------------------------------------------


def unsigned(values: Any) -> str:
    """A cursor as the hub once made them: base64 of a JSON array, forgeable by anyone."""
    raw = json.dumps(values, ensure_ascii=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FORGED = {
    "a huge integer": unsigned([10 ** 40, "x"]),
    "a 5,000-digit integer": unsigned(["9" * 5000]),
    "a lone surrogate": unsigned(["\ud800", "\udfff"]),
    "year 1": unsigned(["0001-01-01T00:00:00+00:00", "00000000-0000-0000-0000-000000000000"]),
    "a date without zone": unsigned(["2026-11-30T09:00:00", "00000000-0000-0000-0000-000000000000"]),
    "signed with another key": URLSafeSerializer("not-the-key", salt="hub.pagination.cursor")
    .dumps({"k": ["centers.position", "centers.code", "asc"], "v": [1, "binhe"]}),
    "not base64": "%%%",
    "a lone surrogate itself": "\ud800",
}


def test_every_list_operation_refuses_a_cursor_it_did_not_make(client, people):
    callers = [people.admin(), people.supervisor(), people.clerk(), people.approver("market")]
    tried = 0
    lists = [(path, op) for method, path, op in operations(client, callers[0])
             if method == "GET" and "cursor" in query_params(op) and "{" not in path]
    assert len(lists) >= 8
    for path, _op in lists:
        caller = next(c for c in callers if client.get(path, headers=c.headers).status_code == 200)
        for what, cursor in FORGED.items():
            query = "cursor=" + "".join(
                f"%{b:02X}" for b in cursor.encode("utf-8", "surrogatepass"))
            response = client.get(f"{path}?{query}", headers=caller.headers)
            assert response.status_code in (400, 422), (path, what, response.get_data(as_text=True))
            assert response.mimetype == PROBLEM and "cursor" in response.json.get("errors", {}), \
                (path, what)
            tried += 1
    assert tried == len(lists) * len(FORGED)


def test_a_cursor_is_for_its_own_listing_only(client, people):
    admin = people.admin()
    first = client.get("/api/v1/centers?limit=2", headers=admin.headers).json
    assert first["next_cursor"]
    following = client.get(f"/api/v1/centers?limit=2&cursor={first['next_cursor']}",
                           headers=admin.headers)
    assert following.status_code == 200
    assert [c["code"] for c in following.json["items"]] != [c["code"] for c in first["items"]]
    other = client.get(f"/api/v1/users?cursor={first['next_cursor']}", headers=admin.headers)
    assert other.status_code == 422 and "cursor" in other.json["errors"]


# -- One date-range parser ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
def test_every_period_refuses_a_date_the_calendar_cannot_count(client, people, value):
    supervisor = people.supervisor()
    periods = [path for method, path, op in operations(client, supervisor)
               if method == "GET" and {"from", "to"} <= query_params(op)]
    assert len(periods) >= 3
    for path in periods:
        for name in ("from", "to"):
            response = client.get(f"{path}?{name}={value}", headers=supervisor.headers)
            assert response.status_code == 422, (path, name, response.get_data(as_text=True))
            assert list(response.json["errors"]) == [name]


def test_the_last_day_the_calendar_counts_is_taken(client, people):
    supervisor = people.supervisor()
    response = client.get("/api/v1/supervision/centers?from=2099-12-31&to=2099-12-31",
                          headers=supervisor.headers)
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_the_dashboard_pages_share_the_parser(client, people, value):
    signed_in(client, people.supervisor())
    # The overview shows the parser's message beside the period inputs (all time meanwhile);
    # an export of a period it refuses is not made.
    page = client.get(f"/dashboard?to={value}")
    assert page.status_code == 200 and "日期应在 2000-01-01 至 2099-12-31 之间" in page.text
    export = client.get(f"/dashboard/export/centers.csv?from={value}")
    assert export.status_code == 422 and "日期应在" in export.text


@pytest.mark.parametrize("year", ["202²", "٢٠٢٦", "2100", "0000", "9999"])
def test_a_calendar_year_the_hub_cannot_count_is_not_a_500(client, people, year):
    response = client.get(f"/api/v1/calendar/{year}", headers=people.clerk().headers)
    assert response.status_code in (404, 422), response.get_data(as_text=True)


# -- marshmallow's own messages, in the hall's language --------------------------------------


def test_every_json_operation_refuses_an_empty_body_in_chinese(client, people):
    # An empty object misses every required field: whatever the operation answers, no
    # message of marshmallow's own (English) reaches the caller; a new operation is
    # covered without a line of its own.
    admin = people.admin()
    tried = 0
    for method, path, op in operations(client, admin):
        if "requestBody" not in op:
            continue
        url = path.replace("{", "").replace("}", "")
        for body in ("{}", '{"unknown_field": 1}'):
            response = client.open(url, method=method, data=body, headers=admin.headers,
                                   content_type="application/json")
            if response.status_code not in (400, 422):
                continue
            messages = [m for ms in (response.json.get("errors") or {}).values() for m in ms]
            english = [m for m in messages if not any("\u4e00" <= c <= "\u9fff" for c in m)]
            assert english == [], (method, path, english)
            tried += bool(messages)
    assert tried >= 20
