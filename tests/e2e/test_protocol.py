"""The API's conventions (API.md): problem+json, 400/413/404/405, never a 500, operations."""
import re

import pytest

PROBLEM = "application/problem+json"


def test_malformed_json_is_400_problem(client, people):
    response = client.post("/api/v1/departments", data='{"code": "x",', content_type="application/json",
                           headers=people.admin().headers)
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == 400 and body["title"] and body["detail"] == "请求体不是合法的 JSON"


def test_invalid_utf8_is_400(client, people):
    response = client.post("/api/v1/departments", data=b'{"code": "\xff"}',
                           content_type="application/json", headers=people.admin().headers)
    assert response.status_code == 400


@pytest.mark.parametrize("payload", ["[]", '"text"', "42", "null"])
def test_json_that_is_not_an_object_is_422(client, people, payload):
    response = client.post("/api/v1/departments", data=payload, content_type="application/json",
                           headers=people.admin().headers)
    assert response.status_code == 422, response.json
    assert response.mimetype == PROBLEM


def test_body_over_one_mebibyte_is_413(client, people):
    big = '{"code": "x", "name": "' + "汉" * 400_000 + '"}'
    response = client.post("/api/v1/departments", data=big.encode(), content_type="application/json",
                           headers=people.admin().headers)
    assert response.status_code == 413
    assert response.mimetype == PROBLEM


def test_unknown_routes_are_404_problem_with_or_without_token(client, people):
    for headers in ({}, people.clerk().headers):
        response = client.get("/api/v1/nothing-here", headers=headers)
        assert response.status_code == 404 and response.mimetype == PROBLEM
    assert client.get("/nothing").status_code == 404


def test_wrong_method_is_405_problem(client, people):
    response = client.delete("/api/v1/centers", headers=people.admin().headers)
    assert response.status_code == 405 and response.mimetype == PROBLEM
    assert "GET" in response.headers["Allow"]


def test_every_response_carries_a_request_id_and_security_headers(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id; <script>"})
    assert forged.headers["X-Request-ID"] != "bad id; <script>"
    assert len(forged.headers["X-Request-ID"]) == 32


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["database"] == "ok"


def test_readyz_is_503_with_retry_hint_when_the_database_is_gone(tmp_path):
    from tests.conftest import build_app

    app = build_app(f"sqlite:///{tmp_path}/missing/dir/hub.sqlite3", tmp_path / "instance")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == PROBLEM and response.headers["Retry-After"]


def test_openapi_document_describes_every_route(client):
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    paths = set(spec["paths"])
    for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/centers", "/api/v1/departments",
                 "/api/v1/users", "/api/v1/users/{username}", "/api/v1/service-items",
                 "/api/v1/service-items/{code}", "/api/v1/audit", "/healthz", "/readyz"):
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    # /x/<string:a>/<uuid:b>/<id:c> → /x/{a}/{b}/{c}, whatever the converter.
    rules = {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", r.rule)
             for r in client.application.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert rules <= paths, rules - paths
