"""Sign-in and bearer tokens: issue (throttled by ``lockout``), resolve each request's caller."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import uuid
from typing import Any

from flask import Flask, current_app, g, request
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from hub import change_signals, clock, db
from hub.config import Settings
from hub.directory import lockout
from hub.directory.models import ApiToken, User
from hub.directory.passwords import verify_password
from hub.errors import PasswordChangeRequired, Unauthenticated
from hub.permissions import Principal
from hub.throttle import declare

TOKEN_ENDPOINT = "/api/v1/auth/token"
# Citizens' endpoints (progress by receipt code, consultations, ratings, the public
# site's guides, appointments and pre-reviews): no sign-in.
PUBLIC_PREFIX = "/api/v1/public/"
# What a caller whose password must change may still do: see who they are, change it,
# sign out.
WHILE_PASSWORD_MUST_CHANGE = {("GET", "directory.Me"), ("POST", "directory.MyPassword"),
                              ("DELETE", "directory.Token")}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    token_type: str = "Bearer"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_for(user: User | Row[Any], request_id: str | None = None) -> Principal:
    """The principal of a user (or of a row with the same columns)."""
    return Principal(
        username=user.username, roles=frozenset(user.roles), user_id=user.id,
        center=user.center_code, department=user.department_code,
        display_name=user.display_name, request_id=request_id,
        must_change_password=user.must_change_password,
    )


# Sign-in requests per client address, whatever their outcome: an upper bound on what one
# address makes the hub do (argon2 checks, audit records of refusals). A hall behind one
# address signs its whole staff in well within it.
SIGN_IN_SCOPE = declare("signin", limit=120, window=60)
# Changing one's own password checks the current one: a stolen session may not use it to
# guess at speed.
PASSWORD_CHANGE_SCOPE = declare("me.password", limit=10, window=600)


def issue_token(session: Session, username: str, password: str, *, address: str,
                settings: Settings, request_id: str | None = None,
                channel: str = "api") -> IssuedToken:
    """Check the credentials and return a new bearer token. Attempts that must wait are
    refused before the password is checked; failures are counted per account and
    address, per address and per account (``hub.directory.lockout``). Every outcome is an
    audit record with the client's address (never the password)."""
    now = clock.now()
    attempt = lockout.Attempt(username, address)
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    anyone = anonymous(request_id)
    lockout.admit(session, attempt, user, settings, now, anyone, channel)
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or user is None or user.status != "active":
        reason = ("unknown_account" if user is None else "wrong_password" if not valid
                  else "account_left")
        lockout.record_failure(session, attempt, user, settings, now, anyone, channel, reason)
        session.commit()
        # One message for every refusal: whether the account exists or left is not told.
        raise Unauthenticated("用户名或密码错误，或账号已停用")
    lockout.record_success(session, attempt, now)
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(
        token_hash=token_digest(token), user_id=user.id, generation=user.token_generation,
        issued_at=now, expires_at=now + dt.timedelta(seconds=settings.token_ttl_seconds),
    ))
    lockout.audit_attempt(session, principal_for(user, request_id), "signin.succeeded",
                          attempt, user, channel)
    session.commit()
    return IssuedToken(access_token=token, expires_in=settings.token_ttl_seconds)


def anonymous(request_id: str | None = None) -> Principal:
    """Who acts in the audit trail before signing in."""
    return Principal(username="anonymous", roles=frozenset(), request_id=request_id)


# What a token's principal depends on: its row and its user's (a leave, a password
# change, a role or scope edit, a sign-out); hub.change_signals empties the cache on any.
TOKEN_TABLES = frozenset({"users", "api_tokens"})


def resolve_token(session: Session, token: str, request_id: str | None = None) -> Principal:
    """The principal a bearer token stands for; expired tokens, tokens of staff who
    left and tokens older than a password change are refused.

    Resolved tokens are cached per process while change signals are live (PostgreSQL):
    every request carries one, and a revocation empties the cache of every process at
    once (``hub.change_signals``)."""
    digest = token_digest(token)
    cache = change_signals.cache(session, "tokens", TOKEN_TABLES)
    known = cache.get(digest) if cache is not None else None
    if known is None:
        stamp = cache.stamp() if cache is not None else None
        known = _token_principal(session, digest)
        if cache is not None:
            cache.put(digest, known, stamp)
    expires_at, principal = known
    if expires_at <= clock.now():
        raise Unauthenticated("访问令牌已过期，请重新登录")
    return dataclasses.replace(principal, request_id=request_id)


def _token_principal(session: Session, digest: str) -> tuple[dt.datetime, Principal]:
    # Only the columns a principal needs, in one statement (no ORM objects: issue 23).
    row = session.execute(
        select(ApiToken.expires_at, ApiToken.generation, User.token_generation, User.status,
               User.username, User.roles, User.id, User.center_code, User.department_code,
               User.display_name, User.must_change_password)
        .join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == digest)
    ).one_or_none()
    if row is None:
        raise Unauthenticated("访问令牌无效")
    if row.expires_at <= clock.now():
        raise Unauthenticated("访问令牌已过期，请重新登录")
    if row.status != "active" or row.generation != row.token_generation:
        raise Unauthenticated("访问令牌已失效，请重新登录")
    return row.expires_at, principal_for(row)


def revoke_token(session: Session, token: str, *, address: str, request_id: str | None = None,
                 channel: str = "api") -> None:
    """Sign out: end one token now, audited when it still stood for someone; unknown,
    expired and superseded tokens are simply removed."""
    try:
        who = resolve_token(session, token, request_id)
    except Unauthenticated:
        who = None
    session.execute(ApiToken.__table__.delete().where(ApiToken.token_hash == token_digest(token)))
    if who is not None:
        user = session.get(User, who.user_id)
        lockout.audit_attempt(session, who, "signin.signed_out",
                              lockout.Attempt(who.username, address), user, channel)
    session.commit()


def bearer_token() -> str | None:
    """The request's bearer token, if it carries one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _authenticate() -> None:
    # Deny by default: every API route needs a caller, except signing in (signing out
    # needs the token it ends) and the citizens' public endpoints. Unknown routes are
    # left to the 404 handler.
    if not request.path.startswith("/api/") or request.url_rule is None:
        return
    if request.method == "OPTIONS" or (request.path == TOKEN_ENDPOINT and request.method == "POST") \
            or request.path.startswith(PUBLIC_PREFIX):
        return
    token = bearer_token()
    if token is None:
        raise Unauthenticated()
    g.principal = resolve_token(db.session(), token, g.request_id)
    if g.principal.must_change_password and \
            (request.method, request.url_rule.endpoint) not in WHILE_PASSWORD_MUST_CHANGE:
        raise PasswordChangeRequired()


def _add_request_id(response):  # type: ignore[no-untyped-def]
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    return response


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        raise Unauthenticated()
    return principal


def init_app(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.before_request(_authenticate)
    app.after_request(_add_request_id)


def settings() -> Settings:
    return current_app.config["HUB_SETTINGS"]


def requires(action: str):  # type: ignore[no-untyped-def]
    """Route-level permission, checked before the body is even parsed (so a caller who
    may not act gets 403, not a validation error)."""
    import functools

    from hub.permissions import require

    def decorator(view):  # type: ignore[no-untyped-def]
        @functools.wraps(view)
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            require(current_principal(), action)
            return view(*args, **kwargs)
        return wrapper
    return decorator
