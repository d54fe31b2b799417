"""Which scheduler leads: exactly one acts, the others wait and take over when it dies.

PostgreSQL: a session advisory lock held on a dedicated connection; if the leader's
process or connection dies, the server drops the lock at once. SQLite (one machine): a
lease row the leader renews; a lease left to expire by a dead leader is taken over.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import create_engine, insert, or_, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import NullPool

from booking.models import SchedulerLease

log = logging.getLogger(__name__)

LOCK_NAME = "onexp-scheduler"
# pg_try_advisory_lock takes a bigint: a stable one derived from the name
LOCK_KEY = int.from_bytes(hashlib.sha256(LOCK_NAME.encode()).digest()[:8], "big", signed=True)


class Leadership(Protocol):
    def acquire(self) -> bool: ...  # True: we lead now (or still do)
    def renew(self) -> bool: ...  # False: leadership was lost, stop acting at once
    def release(self) -> None: ...


class AdvisoryLock:
    """PostgreSQL ``pg_try_advisory_lock`` on a connection of its own, outside any pool."""

    def __init__(self, url: str, key: int = LOCK_KEY):
        self.engine: Engine = create_engine(url, poolclass=NullPool)
        self.key = key
        self.connection: Connection | None = None

    def acquire(self) -> bool:
        try:
            if self.connection is None:
                self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            return bool(self.connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        except DBAPIError as exc:
            log.warning("scheduler lock: database unreachable (%s)", exc.__class__.__name__)
            self._drop()
            return False

    def renew(self) -> bool:
        """Still connected and still holding the lock."""
        if self.connection is None:
            return False
        try:
            held = self.connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND classid = :hi AND objid = :lo"
                ),
                {"hi": (self.key >> 32) & 0xFFFFFFFF, "lo": self.key & 0xFFFFFFFF},
            ).scalar()
        except DBAPIError:
            self._drop()
            return False
        return bool(held)

    def release(self) -> None:
        if self.connection is not None:
            # a connection that is gone took the lock with it
            with contextlib.suppress(DBAPIError):
                self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(DBAPIError):
                self.connection.close()
        self.connection = None

    def close(self) -> None:
        self.release()
        self.engine.dispose()


class Lease:
    """A row naming the leader until ``expires_at``; renewed well before it runs out."""

    def __init__(
        self, engine: Engine, holder: str, *, seconds: int = 30, name: str = LOCK_NAME,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):  # fmt: skip
        self.engine, self.holder, self.seconds, self.name, self.clock = engine, holder, seconds, name, clock

    def acquire(self) -> bool:
        now = self.clock()
        expires = now + timedelta(seconds=self.seconds)
        table = SchedulerLease.__table__
        try:
            with self.engine.begin() as conn:
                taken = conn.execute(
                    update(table)
                    .where(table.c.name == self.name, or_(table.c.holder == self.holder, table.c.expires_at <= now))
                    .values(holder=self.holder, expires_at=expires)
                ).rowcount
                if taken:
                    return True
                conn.execute(insert(table).values(name=self.name, holder=self.holder, expires_at=expires))
                return True
        except IntegrityError:
            return False  # the row exists and someone else's lease runs
        except DBAPIError as exc:
            log.warning("scheduler lease: database unavailable (%s)", exc.__class__.__name__)
            return False

    renew = acquire  # renewing succeeds only while the lease is still ours (or lapsed unclaimed)

    def release(self) -> None:
        """Let a waiting scheduler take over now rather than when the lease runs out."""
        table = SchedulerLease.__table__
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    update(table)
                    .where(table.c.name == self.name, table.c.holder == self.holder)
                    .values(expires_at=self.clock())
                )
        except DBAPIError:
            pass

    def close(self) -> None:
        self.release()


def leadership_for(engine: Engine, url: str, holder: str, *, lease_seconds: int = 30) -> Leadership:
    """The advisory lock on PostgreSQL, a lease row elsewhere."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(url)
    return Lease(engine, holder, seconds=lease_seconds)
