"""Sign-in throttling over HTTP on both backends: a guesser is slowed and stopped, the
owner still signs in, a hall behind one address is not locked out, an administrator
lifts a lock (audited), and names of no account behave like accounts."""
import datetime as dt

import pytest

from tests.factories import PASSWORD

HALL = "198.51.100.10"  # every clerk of a hall behind one NAT address
HOME = "203.0.113.20"
ELSEWHERE = "192.0.2.99"


@pytest.fixture
def app_config():
    # Small budgets so a test reaches them in a few requests.
    return {"login_max_failures": 3, "login_delay_seconds": 5, "login_max_delay_seconds": 60,
            "login_address_failures": 10, "login_window_seconds": 600,
            "login_account_failures": 12, "login_account_window_seconds": 3600,
            "login_lock_seconds": 3600}


def sign_in(client, username, password=PASSWORD, address=HOME):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def clock(app):
    return app.extensions["hub.clock"]


def test_a_guesser_at_one_address_does_not_lock_the_owner_out_elsewhere(client, people):
    people.clerk(username="wang")
    for _ in range(3):
        assert sign_in(client, "wang", "wrong password", address=ELSEWHERE).status_code == 401
    slowed = sign_in(client, "wang", address=ELSEWHERE)  # even the right password waits there
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) == 5
    assert "登录失败次数过多" in slowed.json["detail"]
    assert sign_in(client, "wang", address=HOME).status_code == 200


def test_the_delay_doubles_with_each_further_failure_up_to_the_cap(client, people, clock):
    people.clerk(username="wang")
    for _ in range(3):
        assert sign_in(client, "wang", "wrong password").status_code == 401
    waits = []
    for _ in range(5):
        refused = sign_in(client, "wang", "wrong password")
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(dt.timedelta(seconds=waits[-1] - 1))
        assert sign_in(client, "wang", "wrong password").status_code == 429  # not a second early
        clock.advance(dt.timedelta(seconds=1))
        assert sign_in(client, "wang", "wrong password").status_code == 401
    assert waits == [5, 10, 20, 40, 60]
    clock.advance(dt.timedelta(seconds=60))
    # Waiting out the delay, the owner signs in, and the pair starts afresh.
    assert sign_in(client, "wang").status_code == 200
    assert sign_in(client, "wang", "wrong password").status_code == 401
    assert sign_in(client, "wang").status_code == 200


def test_a_hall_behind_one_address_keeps_signing_in_while_it_sprays(client, people, clock):
    for name in ("wang", "li", "newcomer"):
        people.clerk(username=name)
    assert sign_in(client, "wang", address=HALL).status_code == 200
    assert sign_in(client, "li", address=HALL).status_code == 200
    # Someone behind the hall's address tries one password over many names.
    for n in range(10):
        assert sign_in(client, f"guess{n}", "Spring2026", address=HALL).status_code == 401
    assert sign_in(client, "guess9", "Spring2026", address=HALL).status_code == 429
    # The clerks who work there sign in as ever; a name new to this address waits.
    assert sign_in(client, "wang", address=HALL).status_code == 200
    assert sign_in(client, "li", address=HALL).status_code == 200
    waiting = sign_in(client, "newcomer", address=HALL)
    assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) > 0
    assert sign_in(client, "newcomer", address=HOME).status_code == 200
    clock.advance(dt.timedelta(seconds=int(waiting.headers["Retry-After"])))
    assert sign_in(client, "newcomer", address=HALL).status_code == 200


def lock_by_many_addresses(client, name, already=0):
    # One failure from each address (no pair delay anywhere): the 13th failure of the
    # account within the window locks it.
    for n in range(13 - already):
        assert sign_in(client, name, "wrong password", address=f"192.0.2.{n + 1}").status_code == 401


def test_many_addresses_guessing_one_account_lock_it_but_not_for_the_owners_address(
        client, people):
    people.clerk(username="wang", center="binhe")
    assert sign_in(client, "wang", address=HOME).status_code == 200
    lock_by_many_addresses(client, "wang")
    locked = sign_in(client, "wang", address=ELSEWHERE)
    assert locked.status_code == 429 and "锁定" in locked.json["detail"]
    assert int(locked.headers["Retry-After"]) == 3600
    assert sign_in(client, "wang", address=HOME).status_code == 200


def test_an_administrator_lifts_the_lock_and_it_is_audited(client, people, clock):
    people.clerk(username="wang", center="binhe")
    admin, supervisor, clerk = people.admin(username="guan"), people.supervisor(), people.clerk()
    lock_by_many_addresses(client, "wang")
    assert sign_in(client, "wang", address=ELSEWHERE).status_code == 429
    locks = client.get("/api/v1/sign-in/locks", headers=supervisor.headers)
    assert locks.status_code == 200
    assert [(i["username"], i["failures"]) for i in locks.json["items"]] == [("wang", 13)]
    assert client.delete("/api/v1/sign-in/locks/wang", headers=clerk.headers).status_code == 403
    assert client.delete("/api/v1/sign-in/locks/wang", headers=admin.headers).status_code == 204
    assert sign_in(client, "wang", address=ELSEWHERE).status_code == 200
    assert client.get("/api/v1/sign-in/locks", headers=supervisor.headers).json["items"] == []
    trail = client.get("/api/v1/audit?target=wang", headers=supervisor.headers).json["items"]
    actions = {r["action"]: r for r in trail}
    assert actions["signin.locked"]["actor"] == "anonymous"
    assert actions["signin.locked"]["center"] == "binhe"
    assert actions["signin.locked"]["after"]["address"] == "192.0.2.13"
    assert actions["signin.unlocked"]["actor"] == "guan"
    # Lifting again: nothing to lift, nothing written.
    assert client.delete("/api/v1/sign-in/locks/wang", headers=admin.headers).status_code == 204
    trail = client.get("/api/v1/audit?target=wang", headers=supervisor.headers).json["items"]
    assert [r["action"] for r in trail].count("signin.unlocked") == 1


def test_names_of_no_account_are_slowed_and_locked_alike(client, people):
    people.clerk(username="wang")
    answers = {}
    for name in ("wang", "nobody"):
        for _ in range(3):
            sign_in(client, name, "wrong password", address=ELSEWHERE)
        slowed = sign_in(client, name, "wrong password", address=ELSEWHERE)
        lock_by_many_addresses(client, name, already=3)
        locked = sign_in(client, name, "wrong password", address=HOME)
        answers[name] = [(r.status_code, r.headers.get("Retry-After"), r.json["detail"])
                         for r in (slowed, locked)]
    assert answers["wang"] == answers["nobody"]
    assert [status for status, _, _ in answers["wang"]] == [429, 429]
