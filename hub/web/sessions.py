"""The pages' session: the cookie holds a token issued by ``hub.directory.auth``; the
staff member behind it is resolved like any bearer token, on every page request."""
from __future__ import annotations

from flask import g, session

from hub import db
from hub.directory import auth
from hub.errors import Unauthenticated
from hub.permissions import Principal

TOKEN_KEY = "hub_token"


def session_principal() -> Principal | None:
    """The staff member behind the session cookie, resolved like any bearer token (so
    expiry, leaving and password changes end page sessions too); None when signed out."""
    token = session.get(TOKEN_KEY)
    if not token:
        return None
    try:
        return auth.resolve_token(db.session(), token, g.get("request_id"))
    except Unauthenticated:
        session.pop(TOKEN_KEY, None)
        return None
