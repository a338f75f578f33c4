"""The application factory: a short list of ``init_app`` calls, no I/O at import."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from hub import audit, change_signals, db, errors, fields, logs, privacy, receipts, request_json
from hub.clock import process_clock
from hub.config import load_settings
from hub.supervision import rollups


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the hub. ``config`` overrides ``HUB_*`` variables (tests pass a mapping)."""
    app = Flask("hub", instance_relative_config=True, static_folder="web/static",
                template_folder="web/templates")
    app.url_map.converters["id"] = fields.RowIdConverter  # <id:…>: a row number
    # The one decoding of JSON a client sends (hub/request_json.py).
    app.request_class = request_json.HubRequest
    app.json = request_json.RequestJSONProvider(app)
    settings = load_settings(overrides=config, instance_path=app.instance_path)
    app.config.update(
        HUB_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
    )
    app.extensions["hub.clock"] = process_clock(settings.clock_offset_seconds)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    logs.configure(settings.log_level)
    logs.init_app(app)
    db.init_app(app)
    rollups.listen(db.get_database(app).sessionmaker)
    # After the rollups': at a commit, every writer takes its rows' locks in one order
    # (the rollups' rows, then the audit chain heads).
    audit.listen(db.get_database(app).sessionmaker)
    change_signals.watch(db.get_database(app).sessionmaker)
    privacy.init_app(app)
    audit.init_app(app)
    receipts.init_app(app)
    errors.init_app(app)
    _init_monitoring(app)
    _init_auth_and_api(app)
    _init_adapters(app)
    _init_celery(app)
    app.before_request(_endpoint_body_limit)
    app.before_request(_refuse_streamed_bodies_over_the_limit)
    app.before_request(_decode_json_bodies)
    app.after_request(_security_headers)
    return app


def _init_auth_and_api(app: Flask) -> None:
    from hub import api, ops, throttle, web
    from hub.appointments import views as appointments_views
    from hub.approvals import views as approvals_views
    from hub.audit import views as audit_views
    from hub.catalog import views as catalog_views
    from hub.directory import auth
    from hub.directory import views as directory_views
    from hub.disclosure import views as disclosure_views
    from hub.hall import views as hall_views
    from hub.materials import views as materials_views
    from hub.prereviews import views as prereviews_views
    from hub.public import views as public_views
    from hub.ratings import views as ratings_views
    from hub.supervision import views as supervision_views
    from hub.sync import views as sync_views
    from hub.tickets import views as tickets_views
    from monitoring import views as monitoring_views

    auth.init_app(app)
    _init_progress(app)
    api.init_app(app, [ops.blp, directory_views.blp, catalog_views.blp, audit_views.blp,
                       sync_views.blp, approvals_views.blp, supervision_views.blp,
                       disclosure_views.blp, tickets_views.blp, ratings_views.blp,
                       public_views.blp, hall_views.blp, appointments_views.blp,
                       prereviews_views.blp, materials_views.blp, monitoring_views.blp])
    # The pages: session cookie and CSRF of their own; the API above stays bearer-only.
    web.init_app(app)
    # Last: every view that declares a rate limit is imported by now.
    throttle.init_app(app)


def _init_progress(app: Flask) -> None:
    """Every kind of receipt a citizen may look up by number and code: each domain's
    lookup, with the pattern of its numbers."""
    from hub.appointments import public as appointments_public
    from hub.approvals import public as approvals_public
    from hub.prereviews import public as prereviews_public
    from hub.public import progress
    from hub.ratings.public import with_rateable
    from hub.tickets import public as tickets_public

    progress.register(app, "application", approvals_public.NUMBER_PATTERN,
                      with_rateable(approvals_public.lookup))
    progress.register(app, "ticket", tickets_public.NUMBER_PATTERN,
                      with_rateable(tickets_public.lookup))
    progress.register(app, "appointment", appointments_public.NUMBER_PATTERN,
                      appointments_public.lookup)
    progress.register(app, "prereview", prereviews_public.NUMBER_PATTERN,
                      prereviews_public.lookup)


def _init_monitoring(app: Flask) -> None:
    # First, so that requests refused by the auth hooks are timed too.
    from monitoring import views as monitoring_views

    monitoring_views.init_app(app)


def _init_adapters(app: Flask) -> None:
    # The composition root wires the adapters in: the hub's sync only sees the factory,
    # its delivery only the sender (the ports hub.sync.source and hub.delivery.port).
    from adapters import outbound
    from adapters.registry import source_factory
    from hub.delivery.port import SENDER
    from hub.sync.services import SOURCE_FACTORY

    app.extensions[SOURCE_FACTORY] = source_factory(app.config["HUB_SETTINGS"])
    app.extensions[SENDER] = outbound.send


def _init_celery(app: Flask) -> None:
    from hub.celery import celery_init_app

    celery_init_app(app)


def _endpoint_body_limit() -> None:
    """A view (or its class) may take a larger body than MAX_CONTENT_LENGTH (the
    pre-review's uploads): its ``max_body(settings)`` sets this request's limit before
    anything reads the body. Every other endpoint keeps the app's limit."""
    view = current_app.view_functions.get(request.endpoint or "")
    max_body = getattr(view, "max_body", None) or \
        getattr(getattr(view, "view_class", None), "max_body", None)
    if max_body is not None:
        request.max_content_length = max_body(current_app.config["HUB_SETTINGS"])


def _refuse_streamed_bodies_over_the_limit() -> None:
    """A chunked body (no Content-Length) is cut at MAX_CONTENT_LENGTH by werkzeug without
    a word, so what was read would be judged as if whole: read it here, and 413 when it
    reaches the limit."""
    limit = request.max_content_length
    if limit is None or request.content_length is not None or \
            not request.environ.get("wsgi.input_terminated"):
        return
    if len(request.get_data(cache=True)) >= limit:
        request.stream.read(1)  # past the limit: werkzeug raises 413 here


def _decode_json_bodies() -> None:
    """Every JSON body, of every route (API, pages, any blueprint to come), is decoded
    here by the one decoder before a view runs: what it refuses is a 400 naming where,
    and the views' argument parser reads the value decoded here."""
    if request.is_json and request.content_length != 0 and request.method not in (
            "GET", "HEAD", "OPTIONS"):
        request.get_json()  # cached for the parser; a refusal raises the problem


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'",
    )
    return response
