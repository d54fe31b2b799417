"""Who may call an operation: declared once on each view, checked before its body or query is read.

Validating first told an anonymous caller (422) what a body should look like, and a customer
what a staff operation expects, before saying they may not call it at all. ``@allow(...)`` goes
above ``@blp.arguments`` (decorators run top down), so the caller is known, and refused with a
401 or 403, before webargs parses anything. It also writes the declaration into the OpenAPI
document: the operation's security, and its 401 (and 403) answers. Views still ask
``booking.auth`` for the actor; by then it is cached, and known to be allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from functools import wraps

from booking.auth import current_user, require_staff, require_user

PUBLIC = "public"  # anyone; a token, when one is sent, must still be valid
SIGNED_IN = "signed-in"  # a person with a token (or a session, for reads); the service decides what they see
STAFF = "staff"  # venue staff only

_CHECKS: dict[str, Callable[[], object]] = {PUBLIC: current_user, SIGNED_IN: require_user, STAFF: require_staff}
# OpenAPI: an empty requirement is "no credentials needed"; a bearer token is still read when sent.
OPTIONAL_BEARER = [{}, {"bearerAuth": []}]
_REFUSALS = {PUBLIC: (401,), SIGNED_IN: (401,), STAFF: (401, 403)}
_REFERENCES = {401: "UNAUTHORIZED", 403: "FORBIDDEN"}


def allow(who: str):
    """``@allow(STAFF)`` on a view method, above its ``@blp.arguments``."""
    check = _CHECKS[who]

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            check()
            return view(*args, **kwargs)

        doc = guarded._apidoc = deepcopy(getattr(view, "_apidoc", {}))
        responses = doc.setdefault("response", {}).setdefault("responses", {})
        for status in _REFUSALS[who]:
            responses.setdefault(status, []).append(_REFERENCES[status])
        if who == PUBLIC:
            doc.setdefault("manual_doc", {})["security"] = OPTIONAL_BEARER
        guarded.access = who
        return guarded

    return decorate


def access_of(view) -> str | None:
    """What a view method declared with ``@allow``; None if it declared nothing."""
    return getattr(view, "access", None)
