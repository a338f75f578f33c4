"""Sign-in throttling: a guesser is slowed and stopped, the owner still signs in.

Three counts, one per way of guessing:

- **one account from one address** (the pair): after ``HUB_LOGIN_MAX_FAILURES`` failures
  in a row, each further attempt from there waits, the delay doubling up to a cap. Only
  that pair waits: the owner at any other address is not touched.
- **one address, every account** (spraying a password over many names): past
  ``HUB_LOGIN_ADDRESS_FAILURES`` failures in the window, names that have not signed in
  from that address lately wait for the window. The clerks of a hall behind one NAT
  address have signed in from it before, so they go on signing in.
- **one account, every address** (a guesser with many addresses): past
  ``HUB_LOGIN_ACCOUNT_FAILURES`` failures in the account window the name is locked for
  ``HUB_LOGIN_LOCK_SECONDS`` or until an administrator lifts it, except from the
  addresses its owner signed in from lately.

Refusals come before the password is checked (no argon2 spent on them) and treat names of
no account like any other, so neither the answer nor its timing tells whether an account
exists.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from hub import audit
from hub.config import Settings
from hub.db import upsert
from hub.directory.models import SignInLock, SignInPair, User
from hub.errors import TooManyRequests
from hub.permissions import Principal, require
from hub.privacy import mask_name
from hub.throttle import address_key
from hub.throttle import services as windows
from hub.throttle.windows import Rate

ADDRESS_SCOPE = "signin.address"
ACCOUNT_SCOPE = "signin.account"


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: the name as typed (lowercased, so case changes are the same
    name) and the client address, exact (for the audit trail) and as counted."""

    username: str
    address: str

    @property
    def name(self) -> str:
        return self.username.strip().lower()[:64]

    @property
    def key(self) -> str:
        return address_key(self.address)


class SignInThrottled(TooManyRequests):
    """A sign-in refused before its password was looked at; ``reason`` says which count."""

    def __init__(self, reason: str, retry_after: int, detail: str) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.reason, self.retry_after = reason, retry_after


def delay_after(failures: int, settings: Settings) -> int:
    """Seconds a pair waits after ``failures`` failures in a row: none before the
    threshold, then the first delay doubling at each further failure, up to the cap."""
    beyond = failures - settings.login_max_failures
    if beyond < 0:
        return 0
    if beyond >= 32:  # 2**32 seconds is past any cap
        return settings.login_max_delay_seconds
    return min(settings.login_max_delay_seconds, settings.login_delay_seconds * 2 ** beyond)


def _wait_text(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 120 else f"{math.ceil(seconds / 60)} 分钟"


def _known(pair: SignInPair | None, now: dt.datetime, settings: Settings) -> bool:
    return bool(pair and pair.last_success_at
                and now - pair.last_success_at <= dt.timedelta(days=settings.login_known_days))


def admit(session: Session, attempt: Attempt, user: User | None, settings: Settings,
          now: dt.datetime, actor: Principal, channel: str = "api") -> None:
    """Raise ``SignInThrottled`` when this attempt must wait, after committing its audit
    record; count nothing."""
    try:
        _admit(session, attempt, settings, now)
    except SignInThrottled as refused:
        audit_attempt(session, actor, "signin.throttled", attempt, user, channel,
                      reason=refused.reason, retry_after=refused.retry_after)
        session.commit()
        raise


def _admit(session: Session, attempt: Attempt, settings: Settings, now: dt.datetime) -> None:
    pair = session.get(SignInPair, (attempt.name, attempt.key))
    if pair is not None and pair.blocked_until is not None and pair.blocked_until > now:
        wait = math.ceil((pair.blocked_until - now).total_seconds())
        raise SignInThrottled("pair", wait, f"登录失败次数过多，请 {_wait_text(wait)}后再试")
    if _known(pair, now, settings):
        return  # the owner's own address: neither the lock nor the address count applies
    lock = session.get(SignInLock, attempt.name)
    if lock is not None and lock.locked_until > now:
        wait = math.ceil((lock.locked_until - now).total_seconds())
        raise SignInThrottled(
            "locked", wait, f"登录失败次数过多，该账号已临时锁定，请 {_wait_text(wait)}后再试，"
                            "或联系管理员解除锁定")
    verdict = windows.peek(session, ADDRESS_SCOPE, attempt.key, _address_rate(settings), now)
    if not verdict.allowed:
        raise SignInThrottled("address", verdict.retry_after,
                              f"登录失败次数过多，请 {_wait_text(verdict.retry_after)}后再试")


@dataclasses.dataclass(frozen=True)
class Failure:
    failures: int  # in a row, of this pair
    delay: int  # seconds the pair now waits (0: none yet)
    locked: bool  # this failure locked the account name


def audit_attempt(session: Session, actor: Principal, action: str, attempt: Attempt,
                  user: User | None, channel: str, **details: object) -> None:
    """A sign-in event in the audit trail of the account's center, with the client's
    exact address. A name of no account is kept masked: people type their password into
    the name field, and it must not land in the trail."""
    audit.record(session, actor, action, target_type="user",
                 target_id=user.username if user else mask_name(attempt.name) or "-",
                 center=user.center_code if user else None,
                 after={"address": attempt.address, "channel": channel, **details})


def record_failure(session: Session, attempt: Attempt, user: User | None, settings: Settings,
                   now: dt.datetime, actor: Principal, channel: str = "api",
                   reason: str = "wrong_password") -> Failure:
    """Count a failed attempt in all three counts and audit it, in the caller's
    transaction; so is a lock it causes."""
    failures = session.execute(
        upsert(session, SignInPair)
        .values(username=attempt.name, address=attempt.key, failures=1, last_failure_at=now)
        .on_conflict_do_update(index_elements=["username", "address"],
                               set_={"failures": SignInPair.failures + 1, "last_failure_at": now})
        .returning(SignInPair.failures)
    ).scalar_one()
    delay = delay_after(failures, settings)
    if delay:
        session.execute(update(SignInPair)
                        .where(SignInPair.username == attempt.name, SignInPair.address == attempt.key)
                        .values(blocked_until=now + dt.timedelta(seconds=delay)))
    windows.count(session, ADDRESS_SCOPE, attempt.key, _address_rate(settings), now)
    account = windows.count(session, ACCOUNT_SCOPE, attempt.name, _account_rate(settings), now)
    audit_attempt(session, actor, "signin.failed", attempt, user, channel, reason=reason,
                  failures=failures, delay=delay)
    locked = not account.allowed and _lock(session, attempt, user, account.estimate, settings,
                                           now, actor)
    return Failure(failures, delay, locked)


def _lock(session: Session, attempt: Attempt, user: User | None, estimate: float,
          settings: Settings, now: dt.datetime, actor: Principal) -> bool:
    until = now + dt.timedelta(seconds=settings.login_lock_seconds)
    failures = math.floor(estimate)
    # One statement, taken or not: two failures at once (on either side of a throttle
    # window, so neither waits for the other) would otherwise both see no lock and both
    # insert one. No row back: locked already (from a known address the attempt got
    # through), by this attempt's twin or before.
    table = SignInLock.__table__
    stmt = upsert(session, table).values(username=attempt.name, locked_at=now,
                                         locked_until=until, failures=failures)
    taken = session.execute(
        stmt.on_conflict_do_update(
            index_elements=["username"],
            set_={"locked_at": stmt.excluded.locked_at,
                  "locked_until": stmt.excluded.locked_until,
                  "failures": stmt.excluded.failures},
            where=table.c.locked_until <= now)
        .returning(table.c.username)).scalar_one_or_none()
    if taken is None:
        return False
    audit.record(session, actor, "signin.locked", target_type="user",
                 target_id=user.username if user else mask_name(attempt.name) or "-",
                 center=user.center_code if user else None,
                 after={"address": attempt.address, "failures": failures,
                        "locked_until": until})
    return True


def record_success(session: Session, attempt: Attempt, now: dt.datetime) -> None:
    """The pair's failures end and its address becomes one its owner uses."""
    session.execute(
        upsert(session, SignInPair)
        .values(username=attempt.name, address=attempt.key, failures=0, last_success_at=now)
        .on_conflict_do_update(index_elements=["username", "address"],
                               set_={"failures": 0, "blocked_until": None, "last_success_at": now})
    )


def active_locks(now: dt.datetime) -> Select[tuple[SignInLock]]:
    return select(SignInLock).where(SignInLock.locked_until > now)


@dataclasses.dataclass(frozen=True)
class Restriction:
    """What keeps an account name from signing in now: its lock, the delays of addresses."""

    locked_until: dt.datetime | None
    delayed_addresses: int

    def __bool__(self) -> bool:
        return self.locked_until is not None or self.delayed_addresses > 0


def restrictions(session: Session, usernames: Iterable[str],
                 now: dt.datetime) -> dict[str, Restriction]:
    """The restrictions of these account names now (by lowercased name; unrestricted
    names are left out): two queries for a page of accounts."""
    names = {u.strip().lower() for u in usernames}
    if not names:
        return {}
    locks = dict(session.execute(
        select(SignInLock.username, SignInLock.locked_until)
        .where(SignInLock.username.in_(names), SignInLock.locked_until > now)).all())
    delayed = dict(session.execute(
        select(SignInPair.username, func.count())
        .where(SignInPair.username.in_(names), SignInPair.blocked_until > now)
        .group_by(SignInPair.username)).all())
    return {name: Restriction(locks.get(name), delayed.get(name, 0))
            for name in names if name in locks or name in delayed}


def restriction(session: Session, username: str, now: dt.datetime) -> Restriction:
    name = username.strip().lower()
    return restrictions(session, [name], now).get(name, Restriction(None, 0))


def lift(session: Session, actor: Principal, username: str, now: dt.datetime) -> bool:
    """An administrator lifts what keeps an account name from signing in: its lock, its
    failure count and the delays of every address trying it; audited. Lifting what is
    not there changes nothing (and returns False)."""
    require(actor, "users.write")
    name = username.strip().lower()
    current = restriction(session, name, now)
    if not current:
        return False
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    session.execute(delete(SignInLock).where(SignInLock.username == name))
    session.execute(update(SignInPair).where(SignInPair.username == name)
                    .values(failures=0, blocked_until=None))
    windows.clear(session, ACCOUNT_SCOPE, name)
    audit.record(session, actor, "signin.unlocked", target_type="user",
                 target_id=user.username if user else mask_name(name) or "-",
                 center=user.center_code if user else None,
                 before={"locked_until": current.locked_until,
                         "delayed_addresses": current.delayed_addresses})
    session.commit()
    return True


def prune(session: Session, now: dt.datetime, settings: Settings) -> int:
    """Forget pairs idle for a day that are not an owner's known address, and locks that
    ran out."""
    idle = now - dt.timedelta(days=1)
    known = now - dt.timedelta(days=settings.login_known_days)
    pairs = session.execute(delete(SignInPair).where(
        or_(SignInPair.last_failure_at.is_(None), SignInPair.last_failure_at < idle),
        or_(SignInPair.last_success_at.is_(None), SignInPair.last_success_at < known),
        or_(SignInPair.blocked_until.is_(None), SignInPair.blocked_until < now),
    ))
    locks = session.execute(delete(SignInLock).where(SignInLock.locked_until <= now))
    session.commit()
    return (pairs.rowcount or 0) + (locks.rowcount or 0)


def _address_rate(settings: Settings) -> Rate:
    return Rate(settings.login_address_failures, settings.login_window_seconds)


def _account_rate(settings: Settings) -> Rate:
    return Rate(settings.login_account_failures, settings.login_account_window_seconds)
