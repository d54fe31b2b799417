"""The REST API under /api/v1, described by OpenAPI at /api/openapi.json."""

from __future__ import annotations

from flask import Flask

from booking.api import (
    accounts,
    alerts,
    availability,
    bookings,
    checkin,
    companies,
    displays,
    feeds,
    limits,
    live,
    problems,
    sensors,
    sites,
    storable,
    utilization,
    waitlist,
    webhooks,
)
from booking.extensions import api
from booking.openapi import RowIdConverter

BLUEPRINTS = (
    sites.blp, availability.blp, bookings.blp, accounts.blp, live.blp, sensors.blp,
    checkin.blp, alerts.blp, waitlist.blp, webhooks.blp, utilization.blp, displays.blp, feeds.blp,
    companies.blp,
)  # fmt: skip


def init_app(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "OneXperience Booking")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/api/docs/assets/")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": "Book the OneXperience venues in Provence. Times are ISO 8601 with an offset."},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    app.url_map.converters["int"] = RowIdConverter  # before any route: ids beyond the column's range are 404s
    api.init_app_with(app, BLUEPRINTS)
    problems.register(app)  # after the Api, so ours replace flask-smorest's JSON errors
    app.before_request(limits.refuse_deep_json)  # before anything parses a body
    storable.init_app(app)
    _serve_swagger_assets(app)


def _serve_swagger_assets(app: Flask) -> None:
    """The docs page's JavaScript and CSS, from the swagger-ui-bundle package: no CDN needed."""
    from flask import send_from_directory
    from swagger_ui_bundle import swagger_ui_path

    @app.get("/api/docs/assets/<path:filename>")
    def swagger_assets(filename):
        """Static files of the API docs page"""
        return send_from_directory(swagger_ui_path, filename)
