"""Passwords over HTTP on both backends: the policy on every way a password is set, the
forced change of an initial or administrator-set password (a 403 problem type until it
is changed), changing one's own, and the demo accounts that need no change."""
import pytest
from sqlalchemy import select

from hub.audit.models import AuditRecord
from hub.directory.models import User
from hub.seed import DEMO_PASSWORD
from tests.factories import PASSWORD

CHANGE_REQUIRED = "/problems/password-change-required"


def sign_in(client, username, password):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def new_user(**overrides):
    return {"username": "li.na", "display_name": "李娜", "center": "binhe", "roles": ["clerk"],
            "password": "a first long password", **overrides}


@pytest.mark.parametrize("password", ["12345678", "password", "Password2026!", "li.na-2026!",
                                      DEMO_PASSWORD])
def test_weak_passwords_are_refused_wherever_they_are_set(client, people, session, password):
    admin = people.admin()
    people.clerk(username="wang")
    created = client.post("/api/v1/users", json=new_user(password=password), headers=admin.headers)
    assert created.status_code == 422 and "password" in created.json["errors"], created.json
    assert session.scalars(select(User).where(User.username == "li.na")).first() is None
    patched = client.patch("/api/v1/users/wang", json={"password": password.replace("li.na", "wang")},
                           headers=admin.headers)
    assert patched.status_code == 422 and "password" in patched.json["errors"]


def test_an_initial_password_must_be_changed_before_anything_else(client, people, session):
    admin = people.admin()
    assert client.post("/api/v1/users", json=new_user(), headers=admin.headers).status_code == 201
    signed_in = sign_in(client, "li.na", "a first long password")
    assert signed_in.status_code == 200
    headers = bearer(signed_in.json["access_token"])
    blocked = client.get("/api/v1/centers", headers=headers)
    assert blocked.status_code == 403 and blocked.mimetype == "application/problem+json"
    assert blocked.json["type"] == CHANGE_REQUIRED and "/api/v1/me/password" in blocked.json["detail"]
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    # Another session of the same account, from before the change.
    older = bearer(sign_in(client, "li.na", "a first long password").json["access_token"])

    def change(current, new):
        return client.post("/api/v1/me/password", headers=headers,
                           json={"current_password": current, "new_password": new})

    wrong = change("not it at all", "my own long passphrase")
    assert wrong.status_code == 422 and list(wrong.json["errors"]) == ["current_password"]
    for weak in ("12345678", "a first long password", "li.na.li.na.li.na"):
        answer = change("a first long password", weak)
        assert answer.status_code == 422 and list(answer.json["errors"]) == ["new_password"], weak
    assert change("a first long password", "my own long passphrase").status_code == 204
    assert client.get("/api/v1/centers", headers=headers).status_code == 200  # this session goes on
    assert client.get("/api/v1/me", headers=older).status_code == 401  # the others end
    assert sign_in(client, "li.na", "my own long passphrase").status_code == 200
    record = session.scalars(select(AuditRecord).where(
        AuditRecord.action == "user.password_changed")).one()
    assert (record.actor, record.target_id, record.after) == \
        ("li.na", "li.na", {"password": "changed", "was_required": True})
    for any_record in session.scalars(select(AuditRecord)):
        assert "passphrase" not in repr(any_record.after) and "first long" not in repr(any_record.after)


def test_a_password_an_administrator_resets_must_be_changed_too(client, people):
    admin = people.admin(username="guan")
    people.clerk(username="wang")
    assert client.patch("/api/v1/users/wang", json={"password": "reset by the admin"},
                        headers=admin.headers).status_code == 200
    token = sign_in(client, "wang", "reset by the admin").json["access_token"]
    assert client.get("/api/v1/centers", headers=bearer(token)).json["type"] == CHANGE_REQUIRED
    # An administrator setting their own password is choosing it: no change forced.
    assert client.patch("/api/v1/users/guan", json={"password": "the admin's own passphrase"},
                        headers=admin.headers).status_code == 200
    token = sign_in(client, "guan", "the admin's own passphrase").json["access_token"]
    assert client.get("/api/v1/centers", headers=bearer(token)).status_code == 200


def test_signing_out_is_allowed_while_the_change_is_due(client, people):
    admin = people.admin()
    client.post("/api/v1/users", json=new_user(), headers=admin.headers)
    headers = bearer(sign_in(client, "li.na", "a first long password").json["access_token"])
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204


def test_anyone_changes_their_own_password_and_every_other_session_ends(client, people):
    clerk = people.clerk(username="wang")
    other = bearer(people.token_for(clerk.user))
    answer = client.post("/api/v1/me/password", headers=clerk.headers,
                         json={"current_password": PASSWORD, "new_password": "a fresh passphrase of mine"})
    assert answer.status_code == 204
    assert client.get("/api/v1/me", headers=clerk.headers).status_code == 200
    assert client.get("/api/v1/me", headers=other).status_code == 401
    same = client.post("/api/v1/me/password", headers=clerk.headers,
                       json={"current_password": "a fresh passphrase of mine",
                             "new_password": "a fresh passphrase of mine"})
    assert same.status_code == 422 and "new_password" in same.json["errors"]


def test_the_demo_accounts_need_no_change(client, app):
    from hub import db
    from hub.permissions import Principal
    from hub.seed import seed_demo

    with db.get_database(app).session_scope() as s:
        seed_demo(s, Principal.system("test"))
    for username in ("clerk-binhe", "supervisor", "admin", "market-approver1"):
        token = sign_in(client, username, DEMO_PASSWORD).json["access_token"]
        assert client.get("/api/v1/centers", headers=bearer(token)).status_code == 200, username
