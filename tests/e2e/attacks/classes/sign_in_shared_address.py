"""One password sprayed over many names from a hall's address (a street center's staff
behind one NAT address, one of them trying colleagues' accounts): past 50 failures the
address waits, but only for names that have not signed in from it lately: the hall's
clerks go on signing in; a name new to the hall waits, and signs in elsewhere."""
from __future__ import annotations

from tests.e2e.attacks.classes._sign_in import attempt, let_in, refused, sign_in
from tests.e2e.attacks.harness import ClassTally, Target

NAME = "sign_in_shared_address"
TITLE = "一个地址后面的整个大厅：同一地址用一个密码试 60 个用户名；大厅里的工作人员照常登录；新来的用户名等待"
ORDER = 67
HALL, ELSEWHERE = "198.51.100.40", "192.0.2.41"
STAFF = ("clerk-fengyutan", "market-approver2")
SPRAYED = [f"{d}-approver{n}" for d in ("market", "food", "fire", "environment", "planning",
                                        "housing") for n in (1, 2, 3)] + \
          [f"clerk-{c}" for c in ("district", "binhe", "daxi", "huangcheng", "wulihe", "wanlian",
                                  "danan", "shandongmiao", "zhujian", "xinbeizhan",
                                  "beishichang", "nanta", "quanyuan", "dongling",
                                  "maguanqiao")] + [f"staff{n:02d}" for n in range(27)]


def run(target: Target, tally: ClassTally) -> None:
    for username in STAFF:
        answer = sign_in(target, username, HALL)
        attempt(tally, f"{username} signs in at the hall", answer, let_in(answer))
    for n, username in enumerate(SPRAYED):
        answer = sign_in(target, username, HALL, "Shenhe@2026")
        attempt(tally, f"spray {n + 1}", answer, refused(answer, 401 if n < 50 else 429))
    for username in STAFF:
        answer = sign_in(target, username, HALL)
        attempt(tally, f"{username} at the hall after the spray", answer, let_in(answer))
    newcomer = sign_in(target, "clerk-quanyuan", HALL)
    attempt(tally, "a name new to the hall waits", newcomer, refused(newcomer, 429))
    elsewhere = sign_in(target, "clerk-quanyuan", ELSEWHERE)
    attempt(tally, "and signs in elsewhere", elsewhere, let_in(elsewhere))
