"""Liveness and readiness probes."""

from __future__ import annotations

import socket
from functools import lru_cache
from urllib.parse import urlsplit

from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import inspect, text

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


@lru_cache(maxsize=4)
def _code_revisions(directory: str) -> tuple[frozenset[str], frozenset[str]]:
    """(head revisions, all revisions) this code ships; the files do not change while it runs."""
    config = current_app.extensions["migrate"].migrate.get_config(directory)
    script = ScriptDirectory.from_config(config)
    return frozenset(script.get_heads()), frozenset(rev.revision for rev in script.walk_revisions())


def migrations_state() -> str:
    """ "ok" when the database schema is at the code's head (or newer), else how far behind it is."""
    heads, known = _code_revisions(str(current_app.extensions["migrate"].directory))
    # read alembic_version directly: Alembic's MigrationContext would log two lines per probe
    connection = db.session.connection()
    current: frozenset[str] = frozenset()
    if inspect(connection).has_table("alembic_version"):
        current = frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if current == heads:
        return "ok"
    if current and not current & known:
        # revisions this code does not know come from a newer release being rolled out: its
        # migrations run first and keep the previous release working, so this replica stays in
        return "ok"
    return f"database at {', '.join(sorted(current)) or 'no revision'}, code at {', '.join(sorted(heads))}"


@bp.get("/readyz")
def readyz():
    """The database and the MQTT broker can be reached, and the database schema is current."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        checks["migrations"] = migrations_state()
    except Exception as exc:  # any driver error means "not ready", never a 500
        db.session.rollback()
        checks.setdefault("database", f"unreachable: {exc.__class__.__name__}")
        checks.setdefault("migrations", "unknown: the database cannot be read")
    checks["broker"] = "ok" if broker_reachable(current_app.config["MQTT_URL"]) else "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
