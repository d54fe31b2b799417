"""The baseline: a bare Flask JSON endpoint, served by the same gunicorn configuration as the app."""

from __future__ import annotations

from flask import Flask, jsonify, request


def create_app() -> Flask:
    """A Flask app whose only view echoes a little JSON: what a request costs with no work in it."""
    app = Flask(__name__)

    @app.post("/bare")
    def bare():
        """Parse the JSON body and answer 201 with a small JSON document."""
        body = request.get_json()
        return jsonify(id=1, status="confirmed", title=body.get("title", "")), 201

    @app.get("/bare")
    def bare_get():
        """Answer a small JSON document."""
        return jsonify(status="ok")

    return app
