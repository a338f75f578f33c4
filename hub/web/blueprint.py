"""The pages' blueprint: who is signed in, CSRF on every form, headers, HTML errors."""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from hub import db, errors, logs
from hub.approvals import queries
from hub.errors import HubError, Unauthenticated, ValidationFailed
from hub.permissions import Principal, require
from hub.web.filters import validation_detail
from hub.web.sessions import session_principal

log = logging.getLogger("hub.web")

bp = Blueprint("web", __name__)
csrf = CSRFProtect()
# The pages of someone whose password must change (an initial or administrator-set one).
WHILE_PASSWORD_MUST_CHANGE = {"web.change_password", "web.logout", "web.login"}

# Stricter than the app's default: no inline script or style at all, nothing from
# anywhere but the hub itself (a government intranet has no internet).
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'")


@bp.before_request
def _load_principal_and_check_csrf() -> Any:
    g.principal = session_principal()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if g.principal is not None and g.principal.must_change_password and \
            request.endpoint not in WHILE_PASSWORD_MUST_CHANGE:
        return redirect(url_for("web.change_password"))
    return None


@bp.after_request
def _page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_CSP
    if response.mimetype == "text/html":
        # Pages show personal data (masked) and queues: never kept by a shared browser.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_context_processor
def _nav_counts() -> dict[str, Any]:
    """``nav_counts()`` in every page: what waits for the signed-in person (the window's
    supplement requests), counted once per request and only when a page asks."""
    def counts() -> dict[str, int]:
        if "nav_counts" not in g:
            p = g.get("principal")
            waiting = queries.awaiting_supplement_count(db.session(), p) \
                if p is not None and p.has_role("clerk") and p.center else 0
            g.nav_counts = {"supplements": waiting}
        return g.nav_counts  # type: ignore[no-any-return]
    return {"nav_counts": counts}


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
    log.warning("csrf_refused route=%s reason=%s", logs.route(), error.description)
    return render_template("error.html", status=400, title="表单已失效",
                           detail="页面的安全校验未通过（表单已过期或来源不明），请返回重新打开页面后再提交。"), 400


@bp.errorhandler(HubError)
def _hub_error(error: HubError) -> Any:
    detail = error.detail
    if isinstance(error, ValidationFailed) and detail == ValidationFailed(error.errors).detail:
        detail = validation_detail(error.errors)  # the fields by name, not by code
    response = render_template("error.html", status=error.status, title=error.title,
                               detail=detail, errors=error.errors)
    return response, error.status, error.headers


# Addresses of the API and of operations: they answer problem+json, whatever goes wrong.
API_PATHS = ("/api/", "/openapi.json", "/metrics", "/healthz", "/readyz")


def unmatched(error: HTTPException) -> Any:
    """No route for the address (404) or for its method (405): the API keeps its
    problem+json; any other address was typed or followed by a person, who gets a page
    (the staff's when signed in, the public site's otherwise)."""
    problem = errors.http_exception_problem(error)
    if request.path.startswith(API_PATHS):
        return problem
    try:
        g.principal = session_principal()
    except Exception:  # the database down: the public page needs no one signed in
        log.warning("error_page_without_principal path=%s", request.path)
        g.principal = None
    title, detail = _PAGE_WORDS.get(problem.status_code, (None, None))
    body = problem.get_json() or {}
    page_html = render_template("error.html" if g.principal else "public/error.html",
                                status=problem.status_code, title=title or body.get("title"),
                                detail=detail or body.get("detail", ""))
    response = current_app.make_response((page_html, problem.status_code))
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    if "Allow" in problem.headers:
        response.headers["Allow"] = problem.headers["Allow"]
    return response


_PAGE_WORDS = {
    404: ("页面不存在", "您访问的地址没有对应的页面，可能是链接有误或页面已经调整。请检查地址，或从首页重新进入。"),
    405: ("无法这样打开此页面", "此地址不支持这种访问方式（例如表单提交的地址被直接打开）。请从首页重新进入。"),
}


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
