"""Logs as text or one JSON object per line, each line carrying the id of the request it belongs to."""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only when it is short and plain: it ends up in every log line.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"

request_id: ContextVar[str] = ContextVar("request_id", default="-")
access_log = logging.getLogger("booking.access")


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request id ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class _OurHandler(logging.StreamHandler):
    """Marks the handler ``configure`` installed, so calling it again replaces it instead of adding one."""


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
    return logging.Formatter(TEXT_FORMAT)


def configure(log_format: str = "text", level: str | int = "INFO", stream=None) -> None:
    """Send the root logger's records to stderr (or ``stream``) as text or JSON, with the request id; idempotent."""
    if log_format not in ("text", "json"):
        raise ValueError(f"ONEXP_LOG_FORMAT={log_format!r}: use text or json")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
    handler = _OurHandler(stream)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic announces each of its plugins at INFO whenever a process loads it: noise, not news
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def new_request_id() -> str:
    return uuid.uuid4().hex


def _begin() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    rid = given if _ACCEPTABLE_ID.fullmatch(given) else new_request_id()
    g.request_id = rid
    g.request_id_token = request_id.set(rid)
    g.request_started = time.perf_counter()


def _answer(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
    started = g.get("request_started")
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    access_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={"method": request.method, "path": request.path, "status": response.status_code, "ms": elapsed_ms},
    )
    return response


def _end(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        request_id.reset(token)


def init_app(app: Flask) -> None:
    """Give each request an id (the caller's X-Request-ID or a new one), logged and sent back."""
    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    app.before_request(_begin)
    app.after_request(_answer)
    app.teardown_request(_end)
