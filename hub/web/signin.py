"""Signing in to the pages: the directory's accounts, a session cookie holding a token
issued (and throttled) by ``hub.directory.auth`` (``hub.web.sessions``), and signing out."""
from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, session, url_for

from hub import db
from hub.directory import auth, services
from hub.errors import TooManyRequests, Unauthenticated, ValidationFailed
from hub.permissions import Principal
from hub.throttle import check_address, client_address
from hub.web.blueprint import bp, page, principal, safe_next
from hub.web.filters import ROLE_DUTIES
from hub.web.present import names
from hub.web.sessions import TOKEN_KEY


def home_for(p: Principal) -> str:
    """Each role's first page."""
    if p.has_role("clerk"):
        return url_for("web.cases")
    if p.has_role("operator"):
        return url_for("web.desk")
    if p.has_role("approver", "chief"):
        return url_for("web.queue")
    if p.has_role("supervisor"):
        return url_for("web.dashboard")
    if p.has_role("admin"):
        return url_for("web.admin_users")
    return url_for("web.profile")


@bp.route("/staff")
@page()
def home() -> Any:
    """The staff's entry (the public site has ``/``): each role's first page."""
    return redirect(home_for(principal()))


@bp.route("/me")
@page()
def profile() -> Any:
    """The signed-in account, in names: center, department and roles as people say them."""
    p = principal()
    duties = [ROLE_DUTIES[r] for r in sorted(p.roles) if r in ROLE_DUTIES]
    return render_template("profile.html", names=names(), duties=duties)


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
        check_address(auth.SIGN_IN_SCOPE)
        issued = auth.issue_token(db.session(), username, password,
                                  address=client_address(), settings=auth.settings(),
                                  request_id=g.get("request_id"), channel="page")
    except TooManyRequests as exc:
        return (render_template("login.html", next=target, username=username, failure=exc.detail),
                429, exc.headers)
    except Unauthenticated as exc:
        return render_template("login.html", next=target, username=username,
                               failure=exc.detail), 401
    # A new session on every sign-in: nothing from before it carries over.
    session.clear()
    session[TOKEN_KEY] = issued.access_token
    who = auth.resolve_token(db.session(), issued.access_token)
    if who.must_change_password:
        return redirect(url_for("web.change_password"))
    return redirect(target or home_for(who))


@bp.route("/me/password", methods=["GET", "POST"])
@page()
def change_password() -> Any:
    """Staff change their own password; the first page after signing in with a password
    someone else set (see the blueprint's hook)."""
    p = principal()
    min_length = auth.settings().password_min_length
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        current = request.form.get("current_password", "")[:256]
        new = request.form.get("new_password", "")[:256]
        if not current:
            errors["current_password"] = ["请输入当前密码"]
        if new != request.form.get("confirm_password", "")[:256]:
            errors["confirm_password"] = ["两次输入的新密码不一致"]
        try:
            check_address(auth.PASSWORD_CHANGE_SCOPE)
            if errors:
                raise ValidationFailed(errors)
            services.change_own_password(db.session(), p, current, new, session.get(TOKEN_KEY))
        except ValidationFailed as exc:
            errors = exc.errors or {}
        else:
            flash("密码已修改；其他电脑或程序上的登录已全部失效")
            return redirect(home_for(auth.resolve_token(db.session(), session[TOKEN_KEY])))
    return render_template("password.html", errors=errors, min_length=min_length,
                           required=p.must_change_password), 422 if errors else 200


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    token = session.pop(TOKEN_KEY, None)
    if token:
        auth.revoke_token(db.session(), token, address=client_address(),
                          request_id=g.get("request_id"), channel="page")
    session.clear()
    return redirect(url_for("web.login"))
