"""Signing in to the pages: the directory's accounts, a session cookie holding a token
issued (and throttled) by ``hub.directory.auth``, and signing out."""
from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, session, url_for

from hub import db
from hub.directory import auth
from hub.errors import TooManyRequests, Unauthenticated
from hub.permissions import Principal
from hub.web.blueprint import bp, page, principal, safe_next

_TOKEN_KEY = "hub_token"


def session_principal() -> Principal | None:
    """The staff member behind the session cookie, resolved like any bearer token (so
    expiry, leaving and password changes end page sessions too); None when signed out."""
    token = session.get(_TOKEN_KEY)
    if not token:
        return None
    try:
        return auth.resolve_token(db.session(), token, g.get("request_id"))
    except Unauthenticated:
        session.pop(_TOKEN_KEY, None)
        return None


def home_for(p: Principal) -> str:
    """Each role's first page."""
    if p.has_role("clerk"):
        return url_for("web.cases")
    if p.has_role("approver", "chief"):
        return url_for("web.queue")
    if p.has_role("supervisor"):
        return url_for("web.dashboard")
    if p.has_role("admin"):
        return url_for("web.admin_users")
    return url_for("web.profile")


@bp.route("/")
@page()
def home() -> Any:
    return redirect(home_for(principal()))


@bp.route("/me")
@page()
def profile() -> Any:
    return render_template("profile.html")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.principal is not None:
            return redirect(target or home_for(g.principal))
        return render_template("login.html", next=target, username="")
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")[:256]
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = ["请输入用户名"]
    if not password:
        errors["password"] = ["请输入密码"]
    if errors:
        return render_template("login.html", next=target, username=username, errors=errors), 422
    try:
        issued = auth.issue_token(db.session(), username, password,
                                  address=request.remote_addr, settings=auth.settings())
    except TooManyRequests as exc:
        return (render_template("login.html", next=target, username=username, failure=exc.detail),
                429, exc.headers)
    except Unauthenticated as exc:
        return render_template("login.html", next=target, username=username,
                               failure=exc.detail), 401
    # A new session on every sign-in: nothing from before it carries over.
    session.clear()
    session[_TOKEN_KEY] = issued.access_token
    who = auth.resolve_token(db.session(), issued.access_token)
    return redirect(target or home_for(who))


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    token = session.pop(_TOKEN_KEY, None)
    if token:
        auth.revoke_token(db.session(), token)
    session.clear()
    return redirect(url_for("web.login"))
