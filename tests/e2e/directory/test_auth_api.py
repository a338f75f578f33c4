"""Signing in, tokens and the caller, over HTTP on both backends."""
import datetime as dt

from sqlalchemy import func, select

from hub.directory.models import ApiToken
from tests.factories import PASSWORD

PROBLEM = "application/problem+json"


def sign_in(client, username, password=PASSWORD, **kw):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}, **kw)


def test_token_for_good_credentials_then_me(client, people):
    clerk = people.clerk(center="binhe", username="wang")
    response = sign_in(client, "wang")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 8 * 3600
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json == {"username": "wang", "display_name": clerk.user.display_name,
                       "center": "binhe", "department": None, "roles": ["clerk"]}


def test_bad_password_and_unknown_user_get_the_same_401(client, people):
    people.clerk(username="wang")
    wrong = sign_in(client, "wang", "nope nope")
    unknown = sign_in(client, "nobody", "nope nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.mimetype == PROBLEM
    assert wrong.json["detail"] == unknown.json["detail"]


def test_repeated_failures_are_throttled_with_retry_after(client, people, app):
    # The default rule; the rest of it is in test_sign_in_throttling.py.
    people.clerk(username="wang")
    for _ in range(5):
        assert sign_in(client, "wang", "bad password").status_code == 401
    slowed = sign_in(client, "wang")  # from the guesser's address even the right password waits
    assert slowed.status_code == 429
    retry_after = int(slowed.headers["Retry-After"])
    assert retry_after > 0
    assert sign_in(client, "wang", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200
    app.extensions["hub.clock"].advance(dt.timedelta(seconds=retry_after))
    assert sign_in(client, "wang").status_code == 200


def test_staff_who_left_cannot_sign_in(client, people):
    people.clerk(username="gone", status="left")
    assert sign_in(client, "gone").status_code == 401


def test_leaving_ends_existing_tokens_at_once(client, people):
    clerk = people.clerk(username="wang")
    admin = people.admin()
    assert client.get("/api/v1/me", headers=clerk.headers).status_code == 200
    patched = client.patch("/api/v1/users/wang", json={"status": "left"}, headers=admin.headers)
    assert patched.status_code == 200 and patched.json["status"] == "left"
    assert client.get("/api/v1/me", headers=clerk.headers).status_code == 401


def test_password_change_ends_older_tokens(client, people):
    clerk = people.clerk(username="wang")
    admin = people.admin()
    client.patch("/api/v1/users/wang", json={"password": "a new long password"}, headers=admin.headers)
    assert client.get("/api/v1/me", headers=clerk.headers).status_code == 401
    assert sign_in(client, "wang", "a new long password").status_code == 200


def test_tokens_expire(client, people, app):
    clerk = people.clerk()
    app.extensions["hub.clock"].advance(dt.timedelta(hours=8, seconds=1))
    response = client.get("/api/v1/me", headers=clerk.headers)
    assert response.status_code == 401
    assert "过期" in response.json["detail"]


def test_missing_or_malformed_authorization_is_401(client):
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer not-a-token"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.mimetype == PROBLEM
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_request_validation(client, session):
    assert client.post("/api/v1/auth/token", data="{oops", content_type="application/json").status_code == 400
    missing = client.post("/api/v1/auth/token", json={"username": "x"})
    assert missing.status_code == 422 and "password" in missing.json["errors"]
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0
