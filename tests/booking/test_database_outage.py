"""PostgreSQL going away: requests fail fast with 503 + Retry-After, then work again once it is back,
without restarting the service. Runs on a private server, since the test stops it."""

from __future__ import annotations

import pytest
from clock import iso, next_weekday, paris
from servers import PostgresServer

from booking import create_app
from booking.extensions import db


@pytest.fixture(scope="module")
def postgres():
    with PostgresServer() as server:
        yield server


@pytest.fixture
def outage_app(postgres):
    """The app, migrated and seeded, on a server this module may stop; restarted after each test."""
    app = create_app({"DATABASE_URL": postgres.create_database("onexp_outage"), "TESTING": True, "SECRET_KEY": "t"})
    with app.app_context():
        from flask_migrate import upgrade

        from booking.services import catalog

        upgrade()
        catalog.seed_sites(app.config["SITES_FILE"])
        db.session.remove()
    yield app
    postgres.start()
    with app.app_context():
        db.engine.dispose()


def test_requests_fail_fast_with_503_and_retry_after_while_the_database_is_down(outage_app, postgres):
    client = outage_app.test_client()
    assert client.get("/api/v1/sites").status_code == 200
    postgres.stop()
    response = client.get("/api/v1/sites")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.json["title"] == "Service unavailable"


def test_bookings_are_refused_with_503_too(outage_app, postgres):
    from booking.services import accounts

    with outage_app.app_context():
        accounts.ensure_organisation("acme")
        user = accounts.create_user("a@acme.example", role="customer", organisation="acme", password=None)
        token, _ = accounts.create_token(user)
        db.session.remove()
    day = next_weekday(0)
    body = {
        "site": "la-coque", "space": "salle-calanques", "title": "Kick-off", "attendees": 8,
        "start": iso(paris(day, 10)), "end": iso(paris(day, 12)),
    }  # fmt: skip
    postgres.stop()
    headers = {"Authorization": f"Bearer {token}"}
    response = outage_app.test_client().post("/api/v1/bookings", json=body, headers=headers)
    assert response.status_code == 503
    assert "Retry-After" in response.headers


def test_a_booking_whose_connection_dies_under_it_is_a_503_and_the_next_one_lands(outage_app, postgres):
    """A lost connection, and a database it cannot connect to, are 503s with Retry-After; the
    pool replaces the dead connection for the next request."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from booking.services import accounts

    with outage_app.app_context():
        accounts.ensure_organisation("acme")
        user = accounts.create_user("a@acme.example", role="customer", organisation="acme", password=None)
        token, _ = accounts.create_token(user)
        db.session.remove()
    client, headers = outage_app.test_client(), {"Authorization": f"Bearer {token}"}
    day = next_weekday(0)

    def book(hour: int):
        body = {
            "site": "la-coque", "space": "salle-calanques", "title": "Kick-off", "attendees": 8,
            "start": iso(paris(day, hour)), "end": iso(paris(day, hour + 1)),
        }  # fmt: skip
        return client.post("/api/v1/bookings", json=body, headers=headers)

    assert book(9).status_code == 201  # caches the caller and the space
    assert book(11).status_code == 201  # on a pooled connection just used
    with outage_app.app_context():  # a crash, as the pool sees it: from outside the pool
        outsider = create_engine(db.engine.url, poolclass=NullPool)
        with outsider.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        outsider.dispose()
    refused = book(13)
    assert refused.status_code == 503 and "Retry-After" in refused.headers
    assert book(15).status_code == 201
    postgres.stop()
    with outage_app.app_context():
        db.engine.dispose()  # no pooled connection left: the next booking has to connect, and cannot
    refused = book(17)
    assert refused.status_code == 503 and "Retry-After" in refused.headers


def test_readyz_names_the_database_while_it_is_down(outage_app, postgres):
    postgres.stop()
    response = outage_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("unreachable")


@pytest.mark.parametrize("mode", ["fast", "immediate"])  # a clean shutdown; a crash
def test_the_same_app_serves_again_once_the_database_is_back(outage_app, postgres, mode):
    client = outage_app.test_client()
    assert client.get("/api/v1/sites").status_code == 200  # the pool now holds a connection
    postgres.stop(mode)
    assert client.get("/api/v1/sites").status_code == 503
    postgres.start()
    # (after a crash the throwaway server, fsync off, may have lost the last commits: only the answer counts)
    assert client.get("/api/v1/sites").status_code == 200
