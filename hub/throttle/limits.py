"""Rate limits on views: ``@limit("public.tickets", per_address=10, window=3600)``.

Any view (flask-smorest method, page) can carry one; the counts live in the shared
database (``hub.throttle.services``), so the limit holds across every gunicorn worker
and process. A request over the limit gets 429 problem+json (or the error page) with
``Retry-After``, and the view does not run.
"""
from __future__ import annotations

import copy
import functools
import ipaddress
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app, g, has_request_context, request

from hub import clock, db
from hub.config import ConfigurationError, Settings
from hub.errors import TooManyRequests
from hub.throttle import services
from hub.throttle.windows import Rate

log = logging.getLogger("hub.throttle")

_EXTENSION = "hub.throttle"
_COUNTED = "hub_rate_limit_scopes"  # in ``g``: the scopes this request was counted in
_SCOPE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
# Every scope a view declared, with its rate in the code (settings may override it).
DECLARED: dict[str, Rate] = {}


def client_address() -> str:
    """The client's address, read in this one way: ``request.remote_addr``. Behind the
    reverse proxy (``HUB_TRUST_PROXY``) create_app's ProxyFix has already put the one
    trusted hop's ``X-Forwarded-For`` there; the header itself is never read, so a
    client cannot choose its address by sending one."""
    return request.remote_addr or "unknown"


def address_key(address: str) -> str:
    """The key a limit counts an address under. An IPv6 client usually holds a whole /64
    and can change addresses within it at will, so IPv6 counts per /64; an IPv4-mapped
    address counts as its IPv4 address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def limit(scope: str, *, per_address: int | None = None,
          window: int | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """At most ``per_address`` requests per ``window`` seconds from one client address to
    the views carrying ``scope`` (without them, ``scope`` was declared before). A view
    is marked: the application's hook counts the request before its body is decoded
    (so malformed requests count too), wherever the decorator sits among the others. A
    function a view calls (a page doing what an API endpoint does) is counted when the
    request calls it, once per request and scope.
    Settings may change the rate (``HUB_RATE_LIMITS``) or turn limits off
    (``HUB_RATE_LIMIT_ENABLED``)."""
    if per_address is not None and window is not None:
        declare(scope, per_address, window)
    elif scope not in DECLARED:
        raise ValueError(f"rate-limit scope {scope!r} has no rate: give per_address and window")

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # A view's limit was counted by the hook before the view ran; a function a
            # view calls (a page's booking, upload or look-up, under the API's scope)
            # is counted here, when the request reaches it.
            if has_request_context() and scope not in g.get(_COUNTED, ()):
                check_address(scope)
            return view(*args, **kwargs)

        wrapper._hub_rate_limit = scope  # type: ignore[attr-defined]
        # Documented in the OpenAPI operation like flask-smorest's own alt_response.
        wrapper._apidoc = copy.deepcopy(getattr(view, "_apidoc", {}))  # type: ignore[attr-defined]
        responses = wrapper._apidoc.setdefault("response", {}).setdefault("responses", {})  # type: ignore[attr-defined]
        responses.setdefault(429, []).append("TOO_MANY_REQUESTS")
        return wrapper
    return decorator


def _limit_the_view() -> None:
    """Before the request is authenticated further or its body decoded: count it when
    its view carries a limit."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, request.method.lower(), None) if view_class else view
    scope = getattr(handler, "_hub_rate_limit", None)
    if scope is not None:
        check_address(scope)


def declare(scope: str, limit: int, window: int) -> str:
    """Make ``scope`` known with its rate in the code (``limit`` does it for a view; a
    service counting by another key than the address declares its scope at import)."""
    if not _SCOPE.match(scope):
        raise ValueError(f"rate-limit scope {scope!r}: lowercase letters, digits, . _ -")
    rate = Rate(limit, window)
    if DECLARED.setdefault(scope, rate) != rate:
        raise ValueError(f"rate-limit scope {scope!r} declared twice with different rates")
    return scope


def check(scope: str, key: str) -> None:
    """Count one request of ``key`` in ``scope``; raise ``TooManyRequests`` over the limit.

    The count is committed at once on the request's own session: a limiter on a
    connection of its own would wait, on SQLite, for the write lock that this request's
    session may already hold (its transactions begin IMMEDIATE), and holding the
    counter's row until the request ends would serialise every request of the key."""
    config: LimitConfig = current_app.extensions[_EXTENSION]
    if not config.enabled:
        return
    rate = config.rates.get(scope) or DECLARED[scope]
    session = db.session()
    verdict = services.count(session, scope, key, rate, clock.now())
    session.commit()
    if not verdict.allowed:
        log.warning("rate_limited scope=%s key=%s rate=%s retry_after=%s",
                    scope, key, rate, verdict.retry_after)
        raise TooManyRequests(f"请求过于频繁，请 {verdict.retry_after} 秒后再试",
                              retry_after=verdict.retry_after)


def check_address(scope: str) -> None:
    """``check`` for the client's address (what ``limit`` does before its view), noted
    in ``g`` so that ``limit``'s wrapper does not count the request in ``scope`` again."""
    g.setdefault(_COUNTED, set()).add(scope)
    check(scope, address_key(client_address()))


class LimitConfig:
    def __init__(self, enabled: bool, rates: Mapping[str, Rate]) -> None:
        self.enabled, self.rates = enabled, dict(rates)


def parse_rates(text: str) -> dict[str, Rate]:
    """``HUB_RATE_LIMITS``: ``scope=limit/window`` pairs separated by commas or
    semicolons, e.g. ``public.tickets=20/3600,public.prereviews=5/600``."""
    rates: dict[str, Rate] = {}
    for item in re.split(r"[,;]", text):
        item = item.strip()
        if not item:
            continue
        match = re.fullmatch(r"([a-z][a-z0-9_.-]{0,63})\s*=\s*(\d+)\s*/\s*(\d+)", item)
        if match is None or int(match[2]) < 1 or int(match[3]) < 1:
            raise ConfigurationError(
                f"HUB_RATE_LIMITS: {item!r} is not scope=limit/window_seconds (e.g. public.tickets=20/3600)")
        rates[match[1]] = Rate(int(match[2]), int(match[3]))
    return rates


def init_app(app: Flask) -> None:
    """Read the limits' settings and install the counting hook; call it after every view
    module is imported (a misspelt scope in ``HUB_RATE_LIMITS`` is refused at start) and
    before the hook that decodes request bodies."""
    settings: Settings = app.config["HUB_SETTINGS"]
    rates = parse_rates(settings.rate_limits)
    unknown = sorted(set(rates) - set(DECLARED))
    if unknown:
        raise ConfigurationError(
            f"HUB_RATE_LIMITS names scopes no view declares: {', '.join(unknown)} "
            f"(declared: {', '.join(sorted(DECLARED)) or 'none'})")
    app.extensions[_EXTENSION] = LimitConfig(settings.rate_limit_enabled, rates)
    # After the request id and the caller are known, before bodies are read and decoded.
    app.before_request(_limit_the_view)
