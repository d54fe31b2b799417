"""The raw readings' partitions on PostgreSQL (booking.partitioning says which ranges).

Each statement that takes the parent's lock (creating, attaching or dropping a partition) runs
with a short lock_timeout, in a unit of work of its own (booking.services.retention): when a long
query holds the table, the statement gives up in seconds (Busy) and the job tries again at its
next run, instead of queueing behind it and making every ingest batch queue behind itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import OperationalError

from booking import partitioning
from booking.extensions import db

PARENT = "occupancy_readings"
DEFAULT = "occupancy_readings_default"
LOCK_TIMEOUT = "2s"
_BOUND = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


def is_partitioned() -> bool:
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.exec_driver_sql(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = %s",
        (PARENT,),
    ).first())  # fmt: skip


def ranges() -> dict[str, partitioning.Range]:
    """Each range partition's name and [from, to)."""
    rows = db.session.connection().exec_driver_sql(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
        (PARENT,),
    )
    found = {}
    for name, bound in rows:
        match = _BOUND.search(bound or "")
        if match:  # the default partition has no range
            found[name] = (datetime.fromisoformat(match[1]), datetime.fromisoformat(match[2]))
    return found


class Busy(Exception):
    """The parent table's lock was not had within LOCK_TIMEOUT: nothing was done; try again later."""


def _guarded(sql: str) -> None:
    """Run a statement taking the parent's lock, giving up after LOCK_TIMEOUT (raises Busy).

    The caller's unit of work commits it, or rolls it back when Busy is raised.
    """
    connection = db.session.connection()
    try:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        connection.exec_driver_sql(sql)
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise Busy(sql) from error
        raise


def _bounds(lo: datetime, hi: datetime) -> str:
    # DDL takes no parameters: the bounds are written in, from datetimes (never from input)
    return f"FOR VALUES FROM ('{lo.isoformat()}') TO ('{hi.isoformat()}')"


def create(lo: datetime, hi: datetime) -> None:
    """A partition for [lo, hi); readings of that range already in the default partition move into it
    (raises Busy, having done nothing once rolled back, when the table is busy)."""
    name = partitioning.name_of(lo, hi)
    connection = db.session.connection()
    stray = connection.exec_driver_sql(
        f"SELECT 1 FROM {DEFAULT} WHERE observed_at >= %s AND observed_at < %s LIMIT 1", (lo, hi)
    ).first()
    if not stray:
        _guarded(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {PARENT} {_bounds(lo, hi)}")
        return
    # the default partition holds some: move them into a table of their own, then attach it
    connection.exec_driver_sql(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    connection.exec_driver_sql(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE observed_at >= %s AND observed_at < %s RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved",
        (lo, hi),
    )
    _guarded(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} {_bounds(lo, hi)}")


def drop(name: str) -> int:
    """Drop one partition; how many readings went with it (raises Busy when the table is busy)."""
    count = db.session.connection().exec_driver_sql(f"SELECT count(*) FROM {name}").scalar()
    _guarded(f"DROP TABLE {name}")
    return count


def create_days(first: datetime, until: datetime) -> list[str]:
    """A partition for each UTC day of [first, until) that no range covers yet, oldest first; their
    names (raises Busy like ``create``). For history written in bulk before the upkeep job's week
    ahead (the growth bench's past days), so that pruning drops it by the day as in production."""
    covered = list(ranges().values())
    made = []
    day = partitioning.midnight(first.astimezone(UTC).date())
    while day < until:
        end = day + timedelta(days=1)
        if not any(lo < end and day < hi for lo, hi in covered):
            create(day, end)
            made.append(partitioning.name_of(day, end))
        day = end
    return made
