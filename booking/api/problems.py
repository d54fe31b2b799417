"""Every error leaves as ``application/problem+json`` (RFC 9457), naming the field and why."""

from __future__ import annotations

import logging

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException, InternalServerError

from booking.errors import DomainError

log = logging.getLogger(__name__)


def problem(status: int, title: str, detail: str = "", **extra: object) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


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
            return [{"field": prefix or "body", "message": m} for m in messages]
        out = []
        for item in messages:
            out += _flatten(item, prefix)
        return out
    return [{"field": prefix or "body", "message": str(messages)}]


def handle_domain_error(error: DomainError) -> Response:
    errors = [{"field": p.field, "message": p.message} for p in error.problems]
    extra = {"errors": errors} if errors else {}
    extra.update(error.extra)
    return problem(error.status, error.title, error.detail, **extra)


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if messages is not None:
        errors = _flatten(messages)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        response = problem(error.code or 422, "The request is not valid", detail, errors=errors)
    else:
        response = problem(error.code or 500, error.name, error.description or "")
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error", exc_info=error)
    return handle_http_exception(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
