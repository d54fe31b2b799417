"""Fixtures: the app on SQLite and on a real PostgreSQL, clients, and factories.

Every test that takes ``app`` (or anything built on it) runs once per backend; pure
tests run once. ``ONEXP_TEST_BACKENDS=sqlite`` narrows a quick local run.
"""

from __future__ import annotations

import functools
import importlib
import os
import pkgutil
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
import route_builders
from clock import next_weekday
from servers import MosquittoBroker, PostgresServer
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from template_code import TemplateCode
from werkzeug.serving import make_server

from booking import create_app
from booking.extensions import db

# Hypothesis draws a share of its values from the literals of every local module loaded so far,
# rescanning sys.modules whenever it grows (hypothesis.internal.conjecture.providers), so what even
# a derandomized test generates depends on which modules the worker's earlier tests imported: the
# stateful API fuzz never made a booking in one CI worker while it always did alone, and a module
# imported in the middle of a test made its replay "inconsistent data generation". Every module of
# the service is loaded before the first test, so every worker draws from the same constants.
SERVICE_PACKAGES = ("config", "booking", "sensors", "onexp", "bench")
NOT_CODE = ("booking.migrations", "config.gunicorn")  # Alembic's scripts; gunicorn's config, whose import configures


def load_every_module() -> None:
    for package in SERVICE_PACKAGES:
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if not module.name.startswith(NOT_CODE):
                importlib.import_module(module.name)


BACKENDS = [b for b in os.environ.get("ONEXP_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
TEMPLATE_CODE = TemplateCode()
ALL_WEEK = {day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def pytest_configure(config):
    load_every_module()
    route_builders.share()  # each test's app compiled its ~230 URL builders again


@pytest.fixture(scope="session")
def postgres_server():
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def mqtt_broker():
    with MosquittoBroker() as broker:
        yield broker


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """One migrated database per backend for the whole run (Alembic, as in production)."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_server").create_database("onexp_test")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'onexp.sqlite'}"
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


# Restarts the sequences of {tables}' columns (serial or identity), the ones TRUNCATE ... RESTART IDENTITY restarts.
OWNED_SEQUENCES = """
    SELECT setval(d.objid::regclass, 1, false) FROM pg_depend d JOIN pg_class s ON s.oid = d.objid
    WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i') AND d.refobjid = ANY('{{{tables}}}'::regclass[])
"""


def _wipe() -> None:
    """Every table emptied, children first; on PostgreSQL their ids start again at 1.

    DELETE rather than TRUNCATE: TRUNCATE gives each of the 32 tables new files, 0.28 s a test on
    PostgreSQL (median), where deleting the few rows a test leaves, in one round trip, takes 0.12 s.
    """
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    # A previous test's background thread still finishing (an ingest worker's last batch) can
    # hold a row lock a DELETE needs while waiting for one a DELETE took: PostgreSQL breaks the
    # deadlock by aborting one side; when it is ours, wipe again once the straggler is done.
    for attempt in range(5):
        try:
            if db.engine.dialect.name == "postgresql":  # in one round trip
                deletes = "".join(f"DELETE FROM {table};" for table in tables)
                db.session.connection().exec_driver_sql(deletes + OWNED_SEQUENCES.format(tables=",".join(tables)))
            else:
                for table in tables:
                    db.session.execute(text(f"DELETE FROM {table}"))
            db.session.commit()
            return
        except OperationalError as exc:
            db.session.rollback()
            if getattr(exc.orig, "sqlstate", None) != "40P01" or attempt == 4:
                raise
            time.sleep(0.5)


# (database, sites file, its text) -> the rows seed_sites wrote there, table by table: this worker's copy
SEEDED: dict[tuple[str, str, bytes], dict[str, list[dict]]] = {}


def _seed(app) -> None:
    """The sites file's rows in the wiped database: seed_sites' the first time, its rows copied back after."""
    from booking.services import catalog

    path = Path(app.config["SITES_FILE"])
    key = (app.config["DATABASE_URL"], str(path), path.read_bytes())
    if key not in SEEDED:
        catalog.seed_sites(path)
        SEEDED[key] = {table.name: rows for table in db.metadata.sorted_tables if (rows := _rows(table))}
        db.session.commit()
        return
    seeded = SEEDED[key]
    for table in db.metadata.sorted_tables:  # parents first
        if table.name in seeded:
            db.session.execute(table.insert(), seeded[table.name])
            if db.engine.dialect.name == "postgresql":  # the rows came with their ids: the next id follows
                (column,) = table.primary_key.columns
                last = max(row[column.name] for row in seeded[table.name])
                db.session.execute(text("SELECT setval(pg_get_serial_sequence(:t, :c), :n)"),
                                   {"t": table.name, "c": column.name, "n": last})  # fmt: skip
    db.session.commit()


def _rows(table) -> list[dict]:
    return [dict(row) for row in db.session.execute(select(table).order_by(*table.primary_key.columns)).mappings()]


@pytest.fixture
def app_settings() -> dict:
    """Settings a test folder's conftest adds to the app's (its own sites file, say)."""
    return {}


@pytest.fixture
def app(database_url, app_settings, tmp_path):
    """The app on a clean, seeded database; its mail goes to a Maildir of the test's own."""
    settings = {
        "DATABASE_URL": database_url,
        "TESTING": True,
        "SECRET_KEY": "test",
        "MAIL_URL": f"maildir://{tmp_path}/mail",
    }
    app = create_app(settings | app_settings)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE  # compiled once per worker, not once per test
    with app.app_context():
        _wipe()
        _seed(app)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def smtp(app):
    """A real SMTP server (aiosmtpd) on a free port that the app's mail goes to; see tests/mailserver.py."""
    from mailserver import SmtpServer

    with SmtpServer() as server:
        app.config.update(MAIL_URL=server.url, MAIL_TIMEOUT_SECONDS=1, MAIL_BACKOFF_SECONDS=30, MAIL_MAX_ATTEMPTS=4)
        yield server


@pytest.fixture
def backend(app) -> str:
    return db.engine.dialect.name


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def live_server(app):
    """The app behind a real threaded HTTP server on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


# --- factories ------------------------------------------------------------------------


@pytest.fixture
def make_org(app):
    from booking.services import accounts

    def make(slug: str = "acme", **kwargs):
        return accounts.ensure_organisation(slug, **kwargs)

    return make


@pytest.fixture
def make_user(app, make_org):
    """``make_user("customer", org="acme")`` -> a User with a password."""
    from booking.services import accounts

    counter = iter(range(1, 10_000))

    def make(role: str = "customer", *, org: str | None = "acme", email: str | None = None):
        if org and role == "customer":
            make_org(org)
        email = email or f"{role}{next(counter)}@{org or 'onexperience'}.example"
        with mock.patch.object(accounts, "generate_password_hash", _hashed):
            return accounts.create_user(
                email, role=role, organisation=org if role == "customer" else None, password="correct horse battery"
            )

    return make


@functools.cache
def _hashed(password: str) -> str:
    """The real scrypt hash of ``password``, once per worker: scrypt costs 0.13 s of CPU, and most tests
    make a user or three. Only their salt is shared; signing in checks the hash as usual."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


@pytest.fixture
def auth(app):
    """``auth(user)`` -> headers with a fresh bearer token for that user."""
    from booking.services import accounts

    def headers(user) -> dict:
        token, _ = accounts.create_token(user)
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def customer(make_user):
    return make_user("customer", org="acme")


@pytest.fixture
def staff(make_user):
    return make_user("staff", org=None)


@pytest.fixture
def make_space(app):
    """A space at La Coque with the given rules; defaults are permissive and round."""
    from decimal import Decimal

    from booking.models import Space
    from booking.services import catalog

    def make(slug: str = "test-room", **overrides):
        site = catalog.get_site(overrides.pop("site", "la-coque"))
        hours = overrides.pop("opening_hours", ALL_WEEK)
        values = dict(
            name=slug.title(), kind="meeting-room", capacities={"boardroom": 10, "theatre": 20},
            equipment=["screen"], setup_minutes=0, teardown_minutes=0, min_minutes=30,
            max_minutes=600, max_days_ahead=365, requires_approval=False,
            rate_hour=Decimal("50"), rate_half_day=Decimal("150"), rate_day=Decimal("250"),
        )  # fmt: skip
        values.update(overrides)
        space = Space(site=site, slug=slug, opening_hours=catalog.parse_hours(hours), **values)
        db.session.add(space)
        db.session.commit()
        return space

    return make


@pytest.fixture
def monday():
    """A Monday a week or two ahead: inside every space's booking horizon, never a holiday."""
    day = next_weekday(0)
    while day.month == 12 and day.day >= 24 or day.month == 1 and day.day <= 2:
        day += timedelta(weeks=1)
    return day


@pytest.fixture
def monday_long_ago(app, monday):
    """A Monday ten weeks or more before ``monday`` on which La Coque is open: history, for what reads the past."""
    from booking.services import catalog

    closed = catalog.policy_of(catalog.get_space("la-coque", "salle-frioul")).closed_days
    day = monday - timedelta(weeks=10)
    while day in closed:
        day -= timedelta(weeks=1)
    return day


@pytest.fixture
def utcnow():
    return datetime.now(UTC)
