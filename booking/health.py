"""Liveness and readiness probes."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from booking.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok")


def broker_reachable(url: str, timeout: float = 1.0) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 1883), timeout=timeout):
            return True
    except OSError:
        return False


@bp.get("/readyz")
def readyz():
    """The database and the MQTT broker can be reached."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready", never a 500
        db.session.rollback()
        checks["database"] = f"unreachable: {exc.__class__.__name__}"
    checks["broker"] = "ok" if broker_reachable(current_app.config["MQTT_URL"]) else "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
