"""The baselines: bare Flask JSON endpoints, served by the same gunicorn configuration as the app.

``POST /bare`` does no work at all: what a request costs. ``POST /bare/insert`` runs one
INSERT ... RETURNING on PostgreSQL (autocommit, one round trip, a connection per thread):
the floor under any endpoint that writes, with no validation, rules, audit or JSON schema.
``POST /bare/book`` writes what a booking writes (the booking, its audit row and its event, in one
transaction, with plain SQL of its own) and nothing else: the floor under ``POST /api/v1/bookings``.
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
        """Parse the JSON body, write a booking's three rows in one transaction, answer 201 with its id."""
        body = request.get_json()
        spaces, organisation_id, user_id = ids()
        start, end = datetime.fromisoformat(body["start"]), datetime.fromisoformat(body["end"])
        now = datetime.now(UTC)
        with connection().transaction() as tx:
            (booking_id,) = tx.connection.execute(
                "INSERT INTO bookings (space_id, organisation_id, created_by_id, title, attendees, notes, start_at,"
                " end_at, block_start, block_end, status, price_excl_vat, created_at, updated_at, version)"
                " VALUES (%s, %s, %s, %s, %s, '', %s, %s, %s, %s, 'confirmed', 0, %s, %s, 1) RETURNING id",
                (spaces[body["site"], body["space"]], organisation_id, user_id, body["title"], body["attendees"],
                 start, end, start, end, now, now),
            ).fetchone()  # fmt: skip
            detail = json.dumps({"start": start.isoformat(), "end": end.isoformat()})
            tx.connection.execute(
                "INSERT INTO booking_events (booking_id, at, actor_id, action, to_status, detail)"
                " VALUES (%s, %s, %s, 'create', 'confirmed', %s)",
                (booking_id, now, user_id, detail),
            )
            payload = json.dumps({"action": "create", "booking": {"id": booking_id, "title": body["title"]}})
            tx.connection.execute(
                "INSERT INTO outbox_events (uid, kind, organisation_id, payload, created_at)"
                " VALUES (%s, 'booking.create', %s, %s, %s)",
                (str(uuid.uuid4()), organisation_id, payload, now),
            )
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
