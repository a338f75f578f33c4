"""The application factory: a short list of ``init_app`` calls, no I/O at import."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from hub import db, errors, logs, privacy
from hub.config import load_settings


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the hub. ``config`` overrides ``HUB_*`` variables (tests pass a mapping)."""
    app = Flask("hub", instance_relative_config=True, static_folder="web/static",
                template_folder="web/templates")
    settings = load_settings(overrides=config, instance_path=app.instance_path)
    app.config.update(
        HUB_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    logs.configure(settings.log_level)
    db.init_app(app)
    privacy.init_app(app)
    errors.init_app(app)
    _init_monitoring(app)
    _init_auth_and_api(app)
    _init_sync(app)
    _init_celery(app)
    app.before_request(_refuse_streamed_bodies_over_the_limit)
    app.after_request(_security_headers)
    return app


def _init_auth_and_api(app: Flask) -> None:
    from hub import api, ops, web
    from hub.approvals import views as approvals_views
    from hub.audit import views as audit_views
    from hub.catalog import views as catalog_views
    from hub.directory import auth
    from hub.directory import views as directory_views
    from hub.supervision import views as supervision_views
    from hub.sync import views as sync_views
    from monitoring import metrics

    auth.init_app(app)
    api.init_app(app, [ops.blp, directory_views.blp, catalog_views.blp, audit_views.blp,
                       sync_views.blp, approvals_views.blp, supervision_views.blp, metrics.blp])
    # The pages: session cookie and CSRF of their own; the API above stays bearer-only.
    web.init_app(app)


def _init_monitoring(app: Flask) -> None:
    # First, so that requests refused by the auth hooks are timed too.
    from monitoring import metrics

    metrics.init_app(app)


def _init_sync(app: Flask) -> None:
    # The composition root wires the adapters in: the hub's sync only sees the factory.
    from adapters.registry import source_factory
    from hub.sync.services import SOURCE_FACTORY

    app.extensions[SOURCE_FACTORY] = source_factory(app.config["HUB_SETTINGS"])


def _init_celery(app: Flask) -> None:
    from hub.celery import celery_init_app

    celery_init_app(app)


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
