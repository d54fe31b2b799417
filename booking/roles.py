"""Running the roles: single-machine ``serve`` puts web, ingest and scheduler in one process."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.serving import run_simple

log = logging.getLogger(__name__)


def serve_all(app: Flask, *, host: str, port: int) -> None:
    """Web on a threaded server; the ingest worker and scheduler join as they are built."""
    log.info("OneXperience Booking on http://%s:%s/", host, port)
    run_simple(host, port, app, threaded=True, use_reloader=False)
