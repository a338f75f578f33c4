"""Sign-in and bearer tokens: issue, throttle repeated failures, resolve each request's caller."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import uuid

from flask import Flask, current_app, g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import clock, db
from hub.config import Settings
from hub.directory.models import ApiToken, LoginThrottle, User
from hub.directory.passwords import verify_password
from hub.errors import TooManyRequests, Unauthenticated
from hub.permissions import Principal

TOKEN_ENDPOINT = "/api/v1/auth/token"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    token_type: str = "Bearer"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_for(user: User, request_id: str | None = None) -> Principal:
    return Principal(
        username=user.username, roles=frozenset(user.roles), user_id=user.id,
        center=user.center_code, department=user.department_code,
        display_name=user.display_name, request_id=request_id,
    )


def _throttle_keys(username: str, address: str | None) -> list[str]:
    keys = [f"user:{username.lower()}"]
    if address:
        keys.append(f"ip:{address}")
    return keys


def _check_throttle(session: Session, keys: list[str], now: dt.datetime) -> None:
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    waits = [(r.locked_until - now).total_seconds() for r in rows
             if r.locked_until is not None and r.locked_until > now]
    if waits:
        raise TooManyRequests("登录失败次数过多，请稍后再试", retry_after=int(max(waits)) + 1)


def _record_failure(session: Session, keys: list[str], now: dt.datetime, settings: Settings) -> None:
    window = dt.timedelta(seconds=settings.login_window_seconds)
    for key in keys:
        session.execute(
            db.upsert(session, LoginThrottle)
            .values(key=key, failures=0, window_started_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = session.scalars(
            select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
        ).one()
        if now - row.window_started_at > window:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= settings.login_max_failures:
            row.locked_until = now + dt.timedelta(seconds=settings.login_lockout_seconds)


def issue_token(session: Session, username: str, password: str, *,
                address: str | None, settings: Settings) -> IssuedToken:
    """Check the credentials and return a new bearer token; failures are counted and
    throttled per username and per address."""
    now = clock.now()
    keys = _throttle_keys(username, address)
    _check_throttle(session, keys, now)
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or user is None or user.status != "active":
        _record_failure(session, keys, now, settings)
        session.commit()
        # One message for every refusal: whether the account exists or left is not told.
        raise Unauthenticated("用户名或密码错误，或账号已停用")
    session.execute(LoginThrottle.__table__.delete().where(LoginThrottle.key == keys[0]))
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(
        token_hash=token_digest(token), user_id=user.id, generation=user.token_generation,
        issued_at=now, expires_at=now + dt.timedelta(seconds=settings.token_ttl_seconds),
    ))
    session.commit()
    return IssuedToken(access_token=token, expires_in=settings.token_ttl_seconds)


def resolve_token(session: Session, token: str, request_id: str | None = None) -> Principal:
    """The principal a bearer token stands for; expired tokens, tokens of staff who
    left and tokens older than a password change are refused."""
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_digest(token))
    ).one_or_none()
    if row is None:
        raise Unauthenticated("访问令牌无效")
    if row.expires_at <= clock.now():
        raise Unauthenticated("访问令牌已过期，请重新登录")
    user = row.user
    if user.status != "active" or row.generation != user.token_generation:
        raise Unauthenticated("访问令牌已失效，请重新登录")
    return principal_for(user, request_id)


def revoke_token(session: Session, token: str) -> None:
    """End one token now (signing out of the pages); unknown tokens are ignored."""
    session.execute(ApiToken.__table__.delete().where(ApiToken.token_hash == token_digest(token)))
    session.commit()


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _authenticate() -> None:
    # Deny by default: every API route needs a caller, except signing in. Unknown
    # routes are left to the 404 handler.
    if not request.path.startswith("/api/") or request.url_rule is None:
        return
    if request.path == TOKEN_ENDPOINT or request.method == "OPTIONS":
        return
    token = _bearer_token()
    if token is None:
        raise Unauthenticated()
    g.principal = resolve_token(db.session(), token, g.request_id)


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
