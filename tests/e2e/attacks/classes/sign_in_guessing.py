"""Guessing one account's password from one address: after five failures every attempt
from there waits (429, before the password is even checked), the wait doubling; the
right password from there waits too, the owner at their own address signs in, and a
name of no account is answered exactly alike."""
from __future__ import annotations

import time

from tests.e2e.attacks.classes._sign_in import COMMON, attempt, let_in, refused, shape, sign_in
from tests.e2e.attacks.harness import ClassTally, Target

NAME = "sign_in_guessing"
TITLE = "猜一个账号的密码：同一地址连续 25 个常见密码，之后用对的密码；本人在自己的地址登录；不存在的用户名的回答是否不同"
ORDER = 65
VICTIM = "food-approver2"
GUESSER, OWNER, PROBER = "203.0.113.66", "198.51.100.21", "203.0.113.67"


def run(target: Target, tally: ClassTally) -> None:
    free_at = None  # when the wait last announced ends (the server's time runs meanwhile)
    for n, password in enumerate(COMMON, 1):
        answer = sign_in(target, VICTIM, GUESSER, password)
        # The first five are checked and refused; from the sixth on the address waits, and
        # a password is checked again only once the announced wait is over.
        waited = free_at is not None and time.monotonic() >= free_at - 1
        held = refused(answer, 401) if n <= 5 else (
            refused(answer, 429) or (waited and refused(answer, 401)))
        attempt(tally, f"guess {n}", answer, held)
        if answer.status_code == 429:
            free_at = time.monotonic() + int(answer.headers["Retry-After"])
            if n == 6:  # at once, within the first wait: the right password waits too
                right = sign_in(target, VICTIM, GUESSER)
                attempt(tally, "the right password from the guesser's address", right,
                        refused(right, 429))
    owner = sign_in(target, VICTIM, OWNER)
    attempt(tally, "the owner at their own address", owner, let_in(owner))
    # Whether an account exists is told by no answer: the same five failures and the
    # first wait for a name of no account, from another address.
    for n, password in enumerate(COMMON[:6], 1):
        real = sign_in(target, "planning-approver2", PROBER, password)
        made_up = sign_in(target, "planning-approver9", PROBER, password)
        attempt(tally, f"a name of no account, answer {n}", made_up,
                shape(real) == shape(made_up) and real.status_code in (401, 429))
