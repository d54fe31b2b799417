"""Every error leaves as ``application/problem+json`` (RFC 9457), naming the field and why."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

from flask import Flask, Response, current_app, json
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from booking.errors import Conflict, DomainError
from booking.infra import metrics

log = logging.getLogger(__name__)
CHALLENGE = 'Bearer realm="api"'


def problem(status: int, title: str, detail: str = "", *, code: str | None = None, **extra: object) -> Response:
    """An RFC 9457 document: the English ``detail`` for people, the stable ``code`` for programs."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["code"] = code or _code_of(status)
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 401:  # RFC 9110 §11.6.1: a 401 names the scheme that would do
        response.headers["WWW-Authenticate"] = CHALLENGE
    return response


def _code_of(status: int) -> str:
    """``method_not_allowed`` for 405: what a problem with no finer code is called."""
    try:
        return re.sub(r"\W+", "_", HTTPStatus(status).phrase.lower()).strip("_")
    except ValueError:
        return "error"


def _flatten(messages: object, prefix: str = "") -> list[dict]:
    """webargs' nested ``{"json": {"start": ["..."]}}`` -> ``[{"field": "start", "message": "..."}]``."""
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            if key in ("json", "query", "headers", "form", "path") and not prefix:
                out += _flatten(value, "")
            elif key == "_schema":
                out += _flatten(value, prefix)
            else:
                name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}" if prefix else str(key)
                out += _flatten(value, name)
        return out
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return [{"field": prefix or "body", "message": m, "code": "invalid"} for m in messages]
        out = []
        for item in messages:
            out += _flatten(item, prefix)
        return out
    return [{"field": prefix or "body", "message": str(messages), "code": "invalid"}]


def handle_domain_error(error: DomainError) -> Response:
    if isinstance(error, Conflict) and "conflicts" in error.extra:  # the space was taken (not a state clash)
        metrics.BOOKING_CONFLICTS.inc()
    extra: dict[str, object] = {"errors": [p.as_json() for p in error.problems]} if error.problems else {}
    if error.params:
        extra["params"] = error.params
    extra.update(error.extra)
    return problem(error.status, error.title, error.detail, code=error.code, **extra)


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages is not None:
        errors = _flatten(messages)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        response = problem(error.code or 422, "The request is not valid", detail, code="invalid", errors=errors)
    else:
        response = problem(error.code or 500, error.name, error.description or "")
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def database_unavailable(error: Exception) -> bool:
    """The database cannot be reached (down, restarting, pool exhausted), as opposed to a bad query."""
    if isinstance(error, sa_exc.TimeoutError | sa_exc.OperationalError | sa_exc.InterfaceError):
        return True
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated


def handle_database_unavailable(error: Exception) -> Response:
    # Fail fast with a hint to retry; the pool reconnects once the database is back (dbtypes).
    log.warning("database unavailable: %s", error.__class__.__name__, exc_info=error)
    retry_after = current_app.config.get("RETRY_AFTER_SECONDS", 5)
    response = problem(503, "Service unavailable", "the database cannot be reached right now; retry shortly")
    response.headers["Retry-After"] = str(retry_after)
    return response


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    if database_unavailable(error):
        return handle_database_unavailable(error)
    log.exception("unhandled error", exc_info=error)
    return handle_http_exception(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
