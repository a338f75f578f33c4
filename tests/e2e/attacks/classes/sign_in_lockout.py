"""Locking someone else out: many addresses each try a victim's name once, as a
guesser with a botnet would, or someone who wants the clerk kept out. Past 20 failures
the account locks for addresses its owner does not use; the owner at their own
address still signs in, the right password from a new address does not, and an
administrator lifts the lock, both audited."""
from __future__ import annotations

from tests.e2e.attacks.classes._sign_in import attempt, let_in, refused, sign_in
from tests.e2e.attacks.harness import ClassTally, Target

NAME = "sign_in_lockout"
TITLE = "把别人锁在门外：25 个地址各猜一次同一账号；本人在常用地址登录；新地址用对的密码；管理员解锁并留痕"
ORDER = 66
VICTIM = "fire-approver2"
HALL, NEW = "198.51.100.30", "192.0.2.31"


def run(target: Target, tally: ClassTally) -> None:
    before = sign_in(target, VICTIM, HALL)  # the owner works from the hall
    attempt(tally, "the owner signs in from the hall", before, let_in(before))
    for n in range(25):
        answer = sign_in(target, VICTIM, f"203.0.113.{101 + n}", f"guess-{n}-Shenhe")
        # Failures 1-21 are checked (the 21st locks); later ones meet the lock.
        attempt(tally, f"guess from address {n + 1}", answer, refused(answer, 401 if n < 21 else 429))
    stranger = sign_in(target, VICTIM, NEW)
    attempt(tally, "the right password from a new address", stranger,
            refused(stranger, 429) and "锁定" in stranger.json().get("detail", ""))
    owner = sign_in(target, VICTIM, HALL)
    attempt(tally, "the owner at the hall, the account locked", owner, let_in(owner))
    admin = target.person("admin")
    locks = target.get("/api/v1/sign-in/locks", admin).json()["items"]
    attempt(tally, "the lock listed for the administrator", owner,
            [lock["username"] for lock in locks] == [VICTIM])
    lifted = target.request("DELETE", f"/api/v1/sign-in/locks/{VICTIM}", admin)
    attempt(tally, "the administrator lifts it", lifted, lifted.status_code == 204)
    after = sign_in(target, VICTIM, NEW)
    attempt(tally, "the owner from a new address once lifted", after, let_in(after))
    trail = target.get(f"/api/v1/audit?target={VICTIM}&limit=500",
                       target.person("supervisor")).json()["items"]
    actions = [r["action"] for r in trail]
    attempt(tally, "the lock and its lifting audited with the addresses", lifted,
            {"signin.locked", "signin.unlocked"} <= set(actions)
            and actions.count("signin.failed") == 21 and actions.count("signin.throttled") == 5
            and all((r["after"] or {}).get("address") for r in trail
                    if r["action"].startswith("signin.") and r["action"] != "signin.unlocked"))
