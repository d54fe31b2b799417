"""Who is calling: a bearer token (API) or a login session (pages)."""

from __future__ import annotations

from flask import g, request, session

from booking.errors import Forbidden, Unauthorized
from booking.models import User
from booking.services import accounts, displays, logins

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_KEY = "login"  # in the signed cookie: the key of a server-side session (booking.services.logins)


def current_user() -> User | None:
    """The caller, from ``Authorization: Bearer`` or, for reads and pages, the session."""
    # cached per request, not per app context: one app context may outlive many requests
    if "onexp.user" in request.environ:
        return request.environ["onexp.user"]
    user = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("use the header Authorization: Bearer <token>")
        if token.strip().startswith(displays.TOKEN_PREFIX):
            # a wall tablet's key opens its own display (booking.api.displays), nothing a person may do
            raise Unauthorized("a display token opens its display only")
        user = accounts.user_for_token(token.strip())
        if user is None:
            raise Unauthorized("the token is unknown or revoked")
    elif SESSION_KEY in session and (request.method in SAFE_METHODS or not request.path.startswith("/api/")):
        # API writes need a token: a cookie alone must not let another site post for you
        user = logins.session_user(str(session[SESSION_KEY]))
    request.environ["onexp.user"] = g.user = user
    return user


def require_user() -> User:
    user = current_user()
    if user is None:
        raise Unauthorized("sign in, or send Authorization: Bearer <token>")
    return user


def require_staff() -> User:
    user = require_user()
    if not user.is_staff:
        raise Forbidden("venue staff only")
    return user
