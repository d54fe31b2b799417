"""The baselines: bare Flask JSON endpoints, served by the same gunicorn configuration as the app.

``POST /bare`` does no work at all: what a request costs. ``POST /bare/insert`` runs one
INSERT ... RETURNING on PostgreSQL (autocommit, one round trip, a connection per thread):
the floor under any endpoint that writes, with no validation, rules, audit or JSON schema.
``POST /bare/book`` writes what a booking writes (the booking, its audit row and its event,
with the app's own statement) and nothing else: the floor under ``POST /api/v1/bookings``.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import UTC, datetime

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

    @app.post("/bare/book")
    def bare_book():
        """Parse the JSON body, write a booking as the app does (one statement), answer 201 with its id."""
        from booking.services.bookings import INSERT_AT_ONCE

        body = request.get_json()
        spaces, organisation_id, user_id = ids()
        start, end = datetime.fromisoformat(body["start"]), datetime.fromisoformat(body["end"])
        now = datetime.now(UTC)
        values = {
            "space_id": spaces[body["site"], body["space"]], "organisation_id": organisation_id,
            "created_by_id": user_id, "title": body["title"], "attendees": body["attendees"], "layout": None,
            "notes": "", "start_at": start, "end_at": end, "block_start": start, "block_end": end,
            "status": "confirmed", "hold_expires_at": None, "price_excl_vat": 0, "created_at": now,
            "detail": "{}", "uid": str(uuid.uuid4()),
            "kind": "booking.create", "payload": json.dumps({"booking": {"id": None}}),
        }  # fmt: skip
        (booking_id,) = connection().execute(INSERT_AT_ONCE, values).fetchone()
        return jsonify(id=booking_id, status="confirmed", title=body["title"]), 201

    def ids() -> tuple[dict[tuple[str, str], int], int, int]:
        """(site slug, space slug) -> space id, and the bench company's first user, read once per thread."""
        if getattr(local, "ids", None) is None:
            rows = (
                connection()
                .execute("SELECT si.slug, sp.slug, sp.id FROM spaces sp JOIN sites si ON si.id = sp.site_id")
                .fetchall()
            )
            organisation_id, user_id = (
                connection()
                .execute("SELECT organisation_id, id FROM users WHERE organisation_id IS NOT NULL ORDER BY id LIMIT 1")
                .fetchone()
            )
            local.ids = ({(site, space): space_id for site, space, space_id in rows}, organisation_id, user_id)
        return local.ids

    @app.get("/bare")
    def bare_get():
        """Answer a small JSON document."""
        return jsonify(status="ok")

    return app
