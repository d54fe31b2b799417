"""OneXperience Booking: the Flask app factory. Importing this package has no side effects."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask

from config import settings


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the web app: settings → extensions → blueprints → CLI."""
    app = Flask(__name__, instance_relative_config=True)
    register_settings(app, config)
    register_proxy(app)
    register_observability(app)
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    return app


def register_settings(app: Flask, overrides: Mapping[str, object] | None) -> None:
    app.config.update(settings.from_environ())
    if overrides:
        app.config.update(overrides)
    settings.check(app.config)  # ONEXP_ENV=production: refuse development settings, naming each
    app.config["MQTT_CLIENT_ID"] = settings.mqtt_client_id(app.config)
    if "SESSION_COOKIE_SECURE" not in (overrides or {}):
        app.config["SESSION_COOKIE_SECURE"] = settings.secure_cookies(app.config)
    if not app.config.get("DATABASE_URL"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{os.path.join(app.instance_path, 'onexp.sqlite')}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    engine_options: dict[str, object] = {}  # reconnecting after a restart: dbtypes.ping_idle_connections
    if app.config["DATABASE_URL"].startswith("postgresql"):
        # an unreachable server must fail a request in seconds (503), not hang a worker
        engine_options["connect_args"] = {"connect_timeout": 5}
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)


def register_proxy(app: Flask) -> None:
    """Behind ``ONEXP_PROXY_HOPS`` proxies, the client's address, scheme and host are theirs to tell.

    ``request.remote_addr`` (the sign-in limit per address) is then the address the outermost of
    them saw, never one a client wrote into X-Forwarded-For; without proxies, the headers are ignored.
    """
    hops = int(app.config["PROXY_HOPS"] or 0)
    if hops < 0:
        raise settings.SettingsError(f"ONEXP_PROXY_HOPS={hops}: the number of proxies in front, 0 or more")
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # not X-Forwarded-Port or -Prefix: the proxy does not set them, so a client could
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=0, x_prefix=0)


def register_observability(app: Flask) -> None:
    """Logs with a request id, then metrics: first, so every later hook runs inside them."""
    from booking.infra import logs, metrics

    logs.init_app(app)
    metrics.init_app(app)


def register_extensions(app: Flask) -> None:
    from booking import models  # noqa: F401  (so metadata knows every table)
    from booking.extensions import db, migrate
    from booking.infra import caching, dbtypes
    from booking.services import outbox, waitlist

    db.init_app(app)
    # registered after Flask-SQLAlchemy's, so it runs first (teardowns run in reverse)
    app.teardown_appcontext(lambda _exc: dbtypes.close_session_tolerantly(db.session))
    outbox.init_app(app)
    waitlist.init_app(app)  # listens for freed slots
    caching.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            dbtypes.configure_sqlite(db.engine)
        dbtypes.ping_idle_connections(db.engine)
    dbtypes.track_session_writes()


def register_blueprints(app: Flask) -> None:
    from booking import api, health, web

    api.init_app(app)
    app.register_blueprint(health.bp)
    web.init_app(app)


def register_cli(app: Flask) -> None:
    from booking.cli import register

    register(app)
