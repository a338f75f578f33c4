"""Sign-ins in the audit trail (MLPS level 3): successes, failures, refusals while
throttled, locks, signing out of the API and the pages; each with the client's address,
none with a password."""
import re

import pytest
from sqlalchemy import select

from hub.audit.models import AuditRecord
from tests.factories import PASSWORD

ADDRESS = "203.0.113.40"
WRONG = "not-my-password-1"


def sign_in(client, username, password=PASSWORD, address=ADDRESS):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def trail(session, action=None):
    stmt = select(AuditRecord).where(AuditRecord.action.like("signin.%")).order_by(AuditRecord.id)
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    return session.scalars(stmt).all()


def no_password_in(session):
    for record in session.scalars(select(AuditRecord)):
        text = repr((record.target_id, record.before, record.after))
        assert PASSWORD not in text and WRONG not in text, record.action


def test_a_sign_in_and_a_failure_are_audited_with_the_address(client, people, session):
    people.clerk(username="wang", center="binhe")
    assert sign_in(client, "wang", WRONG).status_code == 401
    assert sign_in(client, "wang").status_code == 200
    failed, succeeded = trail(session)
    assert (failed.action, failed.actor, failed.target_id, failed.chain) == \
        ("signin.failed", "anonymous", "wang", "binhe")
    assert failed.after == {"address": ADDRESS, "channel": "api", "reason": "wrong_password",
                            "failures": 1, "delay": 0}
    assert (succeeded.action, succeeded.actor, succeeded.chain) == ("signin.succeeded", "wang", "binhe")
    assert succeeded.after == {"address": ADDRESS, "channel": "api"}
    assert failed.request_id and succeeded.request_id
    no_password_in(session)


def test_a_name_of_no_account_is_kept_masked(client, session):
    # Someone typed their password into the name field.
    assert sign_in(client, WRONG, WRONG).status_code == 401
    record, = trail(session)
    assert record.target_id == "n" + "*" * (len(WRONG) - 1) and record.chain == "hub"
    assert record.after["reason"] == "unknown_account"
    no_password_in(session)


def test_refusals_while_throttled_and_the_lock_are_audited(client, people, session):
    people.clerk(username="wang", center="binhe")
    for _ in range(5):
        sign_in(client, "wang", WRONG)
    assert sign_in(client, "wang").status_code == 429
    refused = trail(session, "signin.throttled")[-1]
    assert refused.after["reason"] == "pair" and refused.after["retry_after"] == 5
    assert refused.after["address"] == ADDRESS and refused.target_id == "wang"
    assert [r.after["delay"] for r in trail(session, "signin.failed")] == [0, 0, 0, 0, 5]
    for n in range(20):  # from many addresses: the account locks
        sign_in(client, "wang", WRONG, address=f"192.0.2.{n + 1}")
    locked, = trail(session, "signin.locked")
    assert locked.target_id == "wang" and locked.chain == "binhe"
    assert sign_in(client, "wang", address="198.51.100.1").status_code == 429
    assert trail(session, "signin.throttled")[-1].after["reason"] == "locked"
    no_password_in(session)


def test_signing_out_of_the_api_ends_the_token_and_is_audited(client, people, session):
    people.clerk(username="wang", center="binhe")
    token = sign_in(client, "wang").json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers,
                         environ_base={"REMOTE_ADDR": ADDRESS}).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 401
    out, = trail(session, "signin.signed_out")
    assert (out.actor, out.target_id, out.after) == ("wang", "wang",
                                                     {"address": ADDRESS, "channel": "api"})


def page_token(client):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                     client.get("/login").get_data(as_text=True)).group(1)


def test_signing_in_and_out_of_the_pages_is_audited(client, people, session):
    people.clerk(username="wang", center="binhe")
    answer = client.post("/login", data={"username": "wang", "password": PASSWORD,
                                         "csrf_token": page_token(client)},
                         environ_base={"REMOTE_ADDR": ADDRESS})
    assert answer.status_code == 302
    me = client.get("/me").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', me).group(1)
    assert client.post("/logout", data={"csrf_token": csrf},
                       environ_base={"REMOTE_ADDR": ADDRESS}).status_code == 302
    assert [(r.action, r.after["channel"]) for r in trail(session)] == \
        [("signin.succeeded", "page"), ("signin.signed_out", "page")]


class TestOneAddressIsBounded:
    @pytest.fixture
    def app_config(self):
        return {"rate_limits": "signin=4/60"}

    def test_whatever_the_outcome_of_its_sign_in_requests(self, client, people, session):
        people.clerk(username="wang")
        answers = [sign_in(client, f"name{n}", WRONG).status_code for n in range(4)]
        answers.append(sign_in(client, "wang").status_code)
        assert answers == [401] * 4 + [429]
        # The bound is the rate limiter's: nothing of that refusal is counted against wang.
        assert len(trail(session)) == 4
        page = client.post("/login", data={"username": "wang", "password": PASSWORD,
                                           "csrf_token": page_token(client)},
                           environ_base={"REMOTE_ADDR": ADDRESS})
        assert page.status_code == 429 and "请求过于频繁" in page.get_data(as_text=True)
        assert sign_in(client, "wang", address="198.51.100.2").status_code == 200
