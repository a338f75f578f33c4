"""The pages' blueprint: who is signed in, CSRF on every form, headers, HTML errors."""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from hub import errors
from hub.errors import HubError, Unauthenticated
from hub.permissions import Principal, require

log = logging.getLogger("hub.web")

bp = Blueprint("web", __name__)
csrf = CSRFProtect()

# Stricter than the app's default: no inline script or style at all, nothing from
# anywhere but the hub itself (a government intranet has no internet).
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'")


@bp.before_request
def _load_principal_and_check_csrf() -> None:
    from hub.web.signin import session_principal

    g.principal = session_principal()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


@bp.after_request
def _page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_CSP
    if response.mimetype == "text/html":
        # Pages show personal data (masked) and queues: never kept by a shared browser.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def principal() -> Principal:
    p = g.get("principal")
    if p is None:
        raise Unauthenticated("请先登录")
    return p


def page(action: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A page for signed-in staff; with ``action``, only for those the one permission
    table allows (the same route-level check the API's ``@requires`` makes)."""
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            p = principal()
            if action:
                require(p, action)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: ``next`` must never send a user elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


@bp.errorhandler(Unauthenticated)
def _sign_in_first(_error: Unauthenticated) -> Any:
    if request.method == "GET":
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    return redirect(url_for("web.login"))


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> Any:
    log.warning("csrf_refused path=%s reason=%s", request.path, error.description)
    return render_template("error.html", status=400, title="表单已失效",
                           detail="页面的安全校验未通过（表单已过期或来源不明），请返回重新打开页面后再提交。"), 400


@bp.errorhandler(HubError)
def _hub_error(error: HubError) -> Any:
    response = render_template("error.html", status=error.status, title=error.title,
                               detail=error.detail, errors=error.errors)
    return response, error.status, error.headers


@bp.errorhandler(Exception)
def _other_error(error: Exception) -> Any:
    """Anything else (a wrong method, the database down, a bug) gets the status, title,
    detail and log line of the one error mapping, shown as a page instead of JSON."""
    problem = errors._unexpected(error)  # the app-wide mapping, not a second one
    body = problem.get_json() or {}
    page_html = render_template("error.html", status=problem.status_code,
                                title=body.get("title", "出错了"), detail=body.get("detail", ""))
    headers = {k: v for k, v in problem.headers.items() if k in ("Allow", "Retry-After")}
    return page_html, problem.status_code, headers
