"""The week's sign-in incident: as the hall closes on Friday, a guessing program outside
fires a burst of guesses (all within the closing second), so the administrator has a locked account and delayed addresses to look at
(/admin/users) and the supervisor the attempts in the audit trail (/api/v1/audit).

Each guess goes through the sign-in throttling exactly as a wrong password does; only the
argon2 check is left out (the demo knows the guesses are wrong, and seventy argon2 checks
would add seconds to every run)."""
from __future__ import annotations

import dataclasses

from sqlalchemy import select

from hub.clock import FrozenClock
from hub.config import Settings
from hub.db import Database
from hub.directory import lockout
from hub.directory.auth import anonymous
from hub.directory.models import User

# An account the demo's visitors are not told to sign in as: its lock keeps nobody out.
LOCKED = "environment-approver2"
SPRAYED = ("clerk-daxi", "clerk-nanta", "clerk-wulihe", "market-chief", "admin")


@dataclasses.dataclass
class Incident:
    failed: int = 0
    throttled: int = 0
    locked: tuple[str, ...] = ()


def guess_passwords(database: Database, clock: FrozenClock, settings: Settings) -> Incident:
    """One guesser with many addresses tries one account until it locks; another tries
    a few names from one address until its delays start. The clock stays where the week
    ended, so what a visitor does next comes after it."""
    incident = Incident()
    now = clock.now()
    guesses = [(LOCKED, f"203.0.113.{n + 1}") for n in range(settings.login_account_failures + 1)]
    for _round in range(settings.login_max_failures + 1):
        guesses += [(name, "198.51.100.77") for name in SPRAYED]
    for username, address in guesses:
        with database.session_scope() as session:
            user = session.scalars(select(User).where(User.username == username)).one_or_none()
            attempt = lockout.Attempt(username, address)
            try:
                lockout.admit(session, attempt, user, settings, now, anonymous())
            except lockout.SignInThrottled:
                incident.throttled += 1
                continue
            failure = lockout.record_failure(session, attempt, user, settings, now,
                                             anonymous(), "api", "wrong_password")
            session.commit()
            incident.failed += 1
            if failure.locked:
                incident.locked += (username,)
    return incident
