"""/healthz says the process is alive; /readyz checks the database, its schema and the broker."""

from __future__ import annotations

import pytest
from servers import free_port
from sqlalchemy import text

from booking import create_app
from booking.extensions import db


@pytest.fixture
def ready_app(app, mqtt_broker):
    app.config["MQTT_URL"] = mqtt_broker.url
    return app


def test_healthz_answers_without_touching_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_is_200_when_database_schema_and_broker_are_fine(ready_app):
    response = ready_app.test_client().get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "broker": "ok"}}


def test_readyz_is_503_naming_the_broker_when_it_cannot_be_reached(app):
    app.config["MQTT_URL"] = f"mqtt://127.0.0.1:{free_port()}"  # nobody listens there
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["broker"] == "unreachable"
    assert response.json["checks"]["database"] == "ok"


@pytest.fixture
def unmigrated_url(backend, postgres_server, tmp_path):
    """An empty database on the same backend: reachable, but no migration has run."""
    if backend == "postgresql":
        return postgres_server.create_database("onexp_unmigrated")
    return f"sqlite:///{tmp_path / 'unmigrated.sqlite'}"


def test_readyz_is_503_until_migrations_reach_the_codes_head(unmigrated_url, mqtt_broker):
    fresh = create_app({"DATABASE_URL": unmigrated_url, "MQTT_URL": mqtt_broker.url, "TESTING": True})
    with fresh.app_context():
        before = fresh.test_client().get("/readyz")
        assert before.status_code == 503
        assert before.json["checks"]["database"] == "ok"
        assert before.json["checks"]["migrations"].startswith("database at no revision, code at ")

        from flask_migrate import upgrade

        db.session.remove()  # the probe's transaction, shared with this app context
        upgrade()
        after = fresh.test_client().get("/readyz")
        assert after.status_code == 200, after.json
        db.engine.dispose()


def test_readyz_stays_200_when_a_newer_release_already_migrated_the_database(ready_app):
    # a rolling upgrade: the new release's migrations ran, this (older) replica still serves
    db.session.execute(text("UPDATE alembic_version SET version_num = 'from_a_newer_release'"))
    db.session.commit()
    try:
        response = ready_app.test_client().get("/readyz")
        assert response.status_code == 200, response.json
    finally:
        from booking.health import _code_revisions

        (head,) = _code_revisions(str(ready_app.extensions["migrate"].directory))[0]
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
