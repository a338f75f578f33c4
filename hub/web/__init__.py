"""The staff workbench and the officials' dashboard: server-rendered pages (Jinja) over
the same services and permission table the API uses. Pages sign in with a session
cookie; the API stays bearer-token only."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from hub.web import filters
    from hub.web.blueprint import bp, csrf, unmatched

    # Importing the page modules registers their routes on ``bp``.
    from hub.web import (  # noqa: F401
        admin,
        audit,
        callcenter,
        cases,
        dashboard,
        disclosure,
        documents,
        hall_admin,
        item_editor,
        minxin,
        notices,
        public,
        queue,
        ratings,
        reception,
        signin,
        sync,
        tickets,
        watchlist,
    )

    settings = app.config["HUB_SETTINGS"]
    # CSRF is checked by the pages' blueprint only: the API takes no cookies, so a
    # forged cross-site request carries no credentials there.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # A form may stay open for a whole shift in the hall; the token dies with the session.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", settings.token_ttl_seconds)
    app.config["SESSION_COOKIE_NAME"] = "hub_session"
    csrf.init_app(app)
    filters.init_app(app)
    app.register_blueprint(bp)
    # Addresses no route takes: a page for people, problem+json for the API (by path).
    app.register_error_handler(404, unmatched)
    app.register_error_handler(405, unmatched)
