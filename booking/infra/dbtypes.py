"""Column types and engine settings that make SQLite and PostgreSQL behave alike."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


# Set by `read_only()`: transactions begun meanwhile on this thread only read.
_READ_ONLY: ContextVar[bool] = ContextVar("onexp_read_only", default=False)


@contextmanager
def read_only() -> Iterator[None]:
    """Work that never writes: on SQLite its transactions begin deferred, without the write lock.

    A WAL reader neither waits for the writer nor keeps it waiting (the ingest worker's door
    states and registry reloads used to queue with its batches). Only for code that cannot write:
    a deferred transaction that reads and then writes fails if another one committed in between.
    """
    token = _READ_ONLY.set(True)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


@contextmanager
def writable() -> Iterator[None]:
    """Inside `read_only()` work, a transaction that does write (begun after the reads ended)."""
    token = _READ_ONLY.set(False)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and ``BEGIN IMMEDIATE`` so writers serialise instead of failing.

    pysqlite's own transaction handling issues a deferred BEGIN, and a deferred
    transaction that read before it writes fails with SQLITE_BUSY when another writer
    got there first. Taking the write lock at BEGIN makes the check-then-insert of a
    booking atomic: the second request waits (busy_timeout), then sees the first booking.
    Transactions begun under `read_only()` are the exception: they begin deferred.
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
        connection.exec_driver_sql("BEGIN" if _READ_ONLY.get() else "BEGIN IMMEDIATE")


IDLE_PING_SECONDS = 1.0  # a pooled connection unused this long is checked before a request gets it


def ping_idle_connections(engine: Engine, idle: float = IDLE_PING_SECONDS) -> None:
    """Check a pooled connection before use only when it has sat idle, instead of every time.

    ``pool_pre_ping`` costs a round trip on every checkout: a sixth of a booking's. A
    connection handed back a moment ago is alive; one idle for a while may have lost its
    server (a restart, a failover). Those are pinged, and a dead one is replaced before the
    request sees it. A connection that dies while in use fails its request (a 503) and
    invalidates the pool, so the next checkouts reconnect.
    """
    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < idle:
            return  # fresh from connect(), or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("an idle connection no longer answers") from exc  # the pool reconnects


_WROTE = "onexp.wrote"  # session.info key: its transaction has flushed writes


def _on_session_flush(session, _context) -> None:
    session.info[_WROTE] = True


def _on_session_transaction_end(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def track_session_writes() -> None:
    """Note in each session whether its transaction has written (once per process)."""
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_flush", _on_session_flush):
        event.listen(Session, "after_flush", _on_session_flush)
        event.listen(Session, "after_transaction_end", _on_session_transaction_end)


def session_has_writes(session) -> bool:
    """True when rolling ``session`` back would lose something: changes pending or already flushed."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_WROTE))


def commit_keeping_loaded(session) -> None:
    """Commit without expiring the objects loaded or written so far: the caller goes on using them,
    and reloading each (a booking, its space, site and company) would double the round trips."""
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


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
