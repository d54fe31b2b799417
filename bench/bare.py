"""The baselines: bare Flask JSON endpoints, served by the same gunicorn configuration as the app.

``POST /bare`` does no work at all: what a request costs. ``POST /bare/insert`` runs one
INSERT ... RETURNING on PostgreSQL (autocommit, one round trip, a connection per thread):
the floor under any endpoint that writes, with no validation, rules, audit or JSON schema.
"""

from __future__ import annotations

import os
import threading

from flask import Flask, jsonify, request

ECHO_TABLE = "CREATE TABLE IF NOT EXISTS bench_echo (id bigserial PRIMARY KEY, title text NOT NULL)"


def create_app() -> Flask:
    """A Flask app whose views echo a little JSON, one of them through the database."""
    app = Flask(__name__)
    url = os.environ.get("ONEXP_DATABASE_URL", "").replace("postgresql+psycopg://", "postgresql://")
    local = threading.local()

    def connection():
        import psycopg

        if getattr(local, "connection", None) is None:
            local.connection = psycopg.connect(url, autocommit=True)
        return local.connection

    @app.post("/bare")
    def bare():
        """Parse the JSON body and answer 201 with a small JSON document."""
        body = request.get_json()
        return jsonify(id=1, status="confirmed", title=body.get("title", "")), 201

    @app.post("/bare/insert")
    def bare_insert():
        """Parse the JSON body, insert one row, answer 201 with its id."""
        body = request.get_json()
        row = connection().execute("INSERT INTO bench_echo (title) VALUES (%s) RETURNING id", (body["title"],))
        return jsonify(id=row.fetchone()[0], status="confirmed", title=body["title"]), 201

    @app.get("/bare")
    def bare_get():
        """Answer a small JSON document."""
        return jsonify(status="ok")

    return app
