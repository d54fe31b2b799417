"""Column types and engine settings that make SQLite and PostgreSQL behave alike."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC: ``timestamptz`` on PostgreSQL, text on SQLite.

    SQLite has no time zone type and hands back naive values; this puts UTC back on
    them so the rest of the code only ever sees aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime reached the database; convert to UTC first")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and ``BEGIN IMMEDIATE`` so writers serialise instead of failing.

    pysqlite's own transaction handling issues a deferred BEGIN, and a deferred
    transaction that read before it writes fails with SQLITE_BUSY when another writer
    got there first. Taking the write lock at BEGIN makes the check-then-insert of a
    booking atomic: the second request waits (busy_timeout), then sees the first booking.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def close_session_tolerantly(session) -> None:
    """End a request's session even when its connection died with the database.

    Flask-SQLAlchemy's own teardown rolls back on the dead connection, and an error in
    a teardown escapes every error handler: the client got a 500 instead of our 503.
    The pool has already invalidated the connection; forgetting the session is enough.
    """
    from sqlalchemy.exc import DBAPIError

    try:
        session.remove()
    except DBAPIError:
        logging.getLogger(__name__).warning("session closed on a lost database connection")
        session.registry.clear()
