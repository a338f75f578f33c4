"""What the sign-in classes share: a sign-in from a chosen address. The suite's server is
behind the hall's (trusted) reverse proxy, as deployed, so ``X-Forwarded-For`` is the
client's address; the classes never sign in from the suite's own address, so the other
classes' accounts and budgets are untouched."""
from __future__ import annotations

import re
from typing import Any

import requests

from hub.seed import DEMO_PASSWORD
from tests.e2e.attacks.harness import PROBLEM, ClassTally, Target

COMMON = ("123456", "password", "12345678", "qwerty123", "Passw0rd!", "admin123", "11111111",
          "Shenhe2026", "abc123456", "woaini1314", "iloveyou", "1q2w3e4r", "Aa123456",
          "zxcvbnm123", "88888888", "Huanying1", "P@ssw0rd", "000000000", "a1234567",
          "qwertyuiop", "welcome1", "sunshine1", "Demo@2025", "shenhe123", "test1234")


def sign_in(target: Target, username: str, address: str,
            password: str = DEMO_PASSWORD) -> requests.Response:
    return target.post("/api/v1/auth/token", json={"username": username, "password": password},
                       headers={"X-Forwarded-For": address})


def refused(answer: requests.Response, status: int) -> bool:
    """Refused with ``status`` as problem+json (a 429 with a Retry-After in seconds)."""
    ok = answer.status_code == status and \
        answer.headers.get("Content-Type", "").startswith(PROBLEM)
    if ok and status == 429:
        ok = int(answer.headers.get("Retry-After", "0")) > 0
    return ok


def let_in(answer: requests.Response) -> bool:
    return answer.status_code == 200 and bool(answer.json().get("access_token"))


def shape(answer: requests.Response) -> tuple[Any, ...]:
    """What an answer tells an outsider, for comparing two names: the status, whether it
    says to wait, and its words (the seconds left depend on when it was asked)."""
    body = answer.json() if answer.headers.get("Content-Type", "").startswith(PROBLEM) else {}
    return (answer.status_code, "Retry-After" in answer.headers,
            re.sub(r"\d+", "N", str(body.get("detail"))))


def attempt(tally: ClassTally, what: str, answer: requests.Response, held: bool) -> bool:
    return tally.attempt(what, held, f"{answer.status_code} {answer.text[:200]}")
