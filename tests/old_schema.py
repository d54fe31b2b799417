"""A database migrated only up to an older revision, for the tests of the migration after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from booking.extensions import db


@contextmanager
def database_at(request, tmp_path, revision: str, name: str) -> Iterator[None]:
    """An app context on a new database of ``request.param``'s backend, migrated up to ``revision``
    and seeded with the sites; ``name`` is the PostgreSQL database's."""
    from flask_migrate import upgrade

    from booking import create_app
    from booking.services import catalog

    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_server").create_database(name)
    else:
        url = f"sqlite:///{tmp_path / 'onexp.sqlite'}"
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        upgrade(revision=revision)
        catalog.seed_sites(app.config["SITES_FILE"])
        yield
        db.session.remove()
        db.engine.dispose()
