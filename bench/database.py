"""A throwaway PostgreSQL for a bench run, migrated with Alembic and seeded, as in production."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def throwaway_postgres(name: str) -> Iterator[str]:
    """A private PostgreSQL server (tests/servers.py) with an empty database; yields its URL."""
    sys.path.insert(0, str(ROOT / "tests"))
    from servers import PostgresServer

    with PostgresServer() as server:
        yield server.create_database(name)


def prepared_app(url: str, sites_file: Path) -> Flask:
    """The app on ``url``, migrated to head and seeded with ``sites_file``."""
    from flask_migrate import upgrade

    from booking import create_app
    from booking.extensions import db
    from booking.services import catalog

    app = create_app({"DATABASE_URL": url, "SITES_FILE": str(sites_file), "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        catalog.seed_sites(sites_file)
        db.session.remove()
    return app


@contextlib.contextmanager
def scratch_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="onexp-bench-") as path:
        yield Path(path)
