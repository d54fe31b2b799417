"""The raw readings' SQL: the ingest worker's batch writes.

Ingest is the hot path (thousands of readings a second, one transaction per batch), so its
statements go to the driver directly, per dialect: on PostgreSQL one statement per batch taking an
array per column; on SQLite the driver's executemany. SQLAlchemy's per-row parameter processing
cost more than the database itself. Times are bound by the column type's own processor, so they
compare exactly with what the ORM writes and queries.

"A newer reading wins" is decided by one rule, `booking.presence.is_newer`; the UPDATE below is
that rule in SQL, and tests/booking/test_readings_store.py feeds the same readings through this
path and through the pure rule and compares the sensors' states.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from booking import presence
from booking.extensions import db
from booking.models import IngestRejection, OccupancyReading, Sensor

READINGS = OccupancyReading.__table__
SENSORS = Sensor.__table__


class Row(NamedTuple):
    """A reading as stored."""

    sensor: int
    space: int
    observed_at: datetime
    count: int | None = None
    present: bool | None = None
    entered: int | None = None
    exited: int | None = None


class Latest(NamedTuple):
    """What one batch changes in one sensor's row, before the newer-wins rule is applied to it.

    ``newest`` and ``present`` come from the batch's newest headcount or presence reading;
    ``counted`` and ``count`` from its newest reading with a headcount (a presence-only reading
    says nothing of the count). Either time is None when the batch has no such reading.
    """

    sensor: int
    seen_at: datetime
    battery: int | None = None
    newest: datetime | None = None
    present: bool | None = None
    counted: datetime | None = None
    count: int | None = None


def _postgresql() -> bool:
    return db.session.connection().dialect.name == "postgresql"


def _insert(table):
    return (postgresql if _postgresql() else sqlite).insert(table)


def _time_binder():
    dialect = db.session.connection().dialect
    return READINGS.c.observed_at.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)


def _array_literal(values: Iterable[int | bool | datetime | None]) -> str:
    """A PostgreSQL array literal; the statement's cast gives it its type.

    Written here because psycopg's own list adaptation works element by element in Python and
    cost more than the statement. Whole numbers, booleans and ISO times need no quoting.
    """
    return "{%s}" % ",".join(  # noqa: UP031
        "NULL" if v is None else "t" if v is True else "f" if v is False
        else v.isoformat() if isinstance(v, datetime) else str(int(v))
        for v in values
    )  # fmt: skip


def _execute_columns(sql: str, rows: list[tuple]) -> int:
    """Run a PostgreSQL statement taking one array per column of ``rows``."""
    if not rows:
        return 0
    columns = tuple(_array_literal(column) for column in zip(*rows, strict=True))
    return db.session.connection().exec_driver_sql(sql, columns).rowcount


def _executemany(sql: str, rows: list[tuple]) -> int:
    return db.session.connection().exec_driver_sql(sql, rows).rowcount if rows else 0


# --- ingest -------------------------------------------------------------------------------

# One parameter for the whole id list, so the text of the query never changes: an IN list of a
# few thousand placeholders was rendered, then split again by the driver, for every batch.
_SPACES_OF = {
    "postgresql": "SELECT id, space_id FROM sensors WHERE id = ANY(%s::integer[])",
    "sqlite": "SELECT id, space_id FROM sensors WHERE id IN (SELECT value FROM json_each(?))",
}


def spaces_of(sensor_ids: set[int]) -> dict[int, int]:
    """Sensor id -> its space id, for the sensors still registered."""
    if not sensor_ids:
        return {}
    connection = db.session.connection()
    ids = sorted(sensor_ids)
    if connection.dialect.name == "postgresql":
        return dict(connection.exec_driver_sql(_SPACES_OF["postgresql"], (ids,)).all())
    return dict(connection.exec_driver_sql(_SPACES_OF["sqlite"], (json.dumps(ids),)).all())


_COLUMNS = ("sensor_id", "space_id", "observed_at", "count", "present", "entered", "exited")
_INSERT = {
    "sqlite": (
        f"INSERT INTO occupancy_readings ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
        "ON CONFLICT (sensor_id, observed_at) DO NOTHING"
    ),
    "postgresql": (
        f"INSERT INTO occupancy_readings ({', '.join(_COLUMNS)}) "
        "SELECT * FROM unnest(%s::integer[], %s::integer[], %s::timestamptz[], %s::integer[], %s::boolean[], "
        "%s::integer[], %s::integer[]) "
        "ON CONFLICT (sensor_id, observed_at) DO NOTHING"
    ),
}


def insert_readings(rows: list[Row]) -> int:
    """Insert readings (sorted by time), skipping those already stored; returns how many were new."""
    if not rows:
        return 0
    to_db = _time_binder()
    values = [(r.sensor, r.space, to_db(r.observed_at), r.count, r.present, r.entered, r.exited) for r in rows]
    if _postgresql():
        return _execute_columns(_INSERT["postgresql"], values)
    return _executemany(_INSERT["sqlite"], values)


def insert_new(rows: list[Row]) -> set[tuple[int, datetime]]:
    """Insert readings (sorted by time); returns the (sensor, time) keys that were new.

    For line crossings, which count once each: which ones were duplicates matters.
    """
    if not rows:
        return set()
    statement = (
        _insert(READINGS)
        .on_conflict_do_nothing(index_elements=["sensor_id", "observed_at"])
        .returning(READINGS.c.sensor_id, READINGS.c.observed_at)
    )
    values = [dict(zip(_COLUMNS, row, strict=True)) for row in rows]
    return {(row.sensor_id, row.observed_at) for row in db.session.execute(statement, values)}


# `presence.is_newer(time, observed_at)`, in SQL: the state has no reading yet, or an older one.
# Every right-hand side sees the row as it was before the UPDATE, so the conditions agree.
_NEWER = "(? IS NOT NULL AND (observed_at IS NULL OR observed_at < ?))"
_NEWER_PG = "(v.{t} IS NOT NULL AND (s.observed_at IS NULL OR s.observed_at < v.{t}))"
_APPLY_LATEST = {
    "sqlite": (
        "UPDATE sensors SET "
        "last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < ? THEN ? ELSE last_seen_at END, "
        "battery = COALESCE(?, battery), "
        f"count = CASE WHEN {_NEWER} THEN ? ELSE count END, "
        f"present = CASE WHEN {_NEWER} THEN ? ELSE present END, "
        f"observed_at = CASE WHEN {_NEWER} THEN ? ELSE observed_at END "
        "WHERE id = ?"
    ),
    "postgresql": (
        "UPDATE sensors AS s SET "
        "last_seen_at = CASE WHEN s.last_seen_at IS NULL OR s.last_seen_at < v.seen THEN v.seen "
        "ELSE s.last_seen_at END, "
        "battery = COALESCE(v.battery, s.battery), "
        f"count = CASE WHEN {_NEWER_PG.format(t='counted')} THEN v.count ELSE s.count END, "
        f"present = CASE WHEN {_NEWER_PG.format(t='newest')} THEN v.present ELSE s.present END, "
        f"observed_at = CASE WHEN {_NEWER_PG.format(t='newest')} THEN v.newest ELSE s.observed_at END "
        "FROM unnest(%s::integer[], %s::timestamptz[], %s::integer[], %s::timestamptz[], %s::boolean[], "
        "%s::timestamptz[], %s::integer[]) AS v(id, seen, battery, newest, present, counted, count) "
        "WHERE s.id = v.id"
    ),
}


def apply_latest(changes: list[Latest]) -> None:
    """Each sensor's last seen, battery and, where newer, headcount and presence: one UPDATE per batch."""
    if not changes:
        return
    to_db = _time_binder()
    if _postgresql():
        rows = sorted(  # the same order from every worker
            (c.sensor, to_db(c.seen_at), c.battery, to_db(c.newest), c.present, to_db(c.counted), c.count)
            for c in changes
        )
        _execute_columns(_APPLY_LATEST["postgresql"], rows)
        return
    rows = []
    for c in changes:
        seen, newest, counted = to_db(c.seen_at), to_db(c.newest), to_db(c.counted)
        rows.append((seen, seen, c.battery, counted, counted, c.count, newest, newest, c.present,
                     newest, newest, newest, c.sensor))  # fmt: skip
    _executemany(_APPLY_LATEST["sqlite"], rows)


# A sensor as the combining rule sees it (the fields of presence.SensorState, in order).
STATE_COLUMNS = (
    Sensor.slug, Sensor.kind, Sensor.interval_seconds, Sensor.status,
    Sensor.last_seen_at, Sensor.observed_at, Sensor.count, Sensor.present,
)  # fmt: skip


def locked_states(sensor_ids: Iterable[int]) -> dict[int, presence.SensorState]:
    """These sensors' states, locked until the commit on PostgreSQL (two workers folding one take turns)."""
    query = select(Sensor.id, *STATE_COLUMNS).where(Sensor.id.in_(sorted(set(sensor_ids))))
    if _postgresql():
        query = query.order_by(Sensor.id).with_for_update()
    return {sensor_id: presence.SensorState(*values) for sensor_id, *values in db.session.execute(query)}


def write_states(states: dict[int, presence.SensorState]) -> None:
    """Store folded sensor states (their newest reading's time, headcount and presence)."""
    if not states:
        return
    db.session.execute(
        update(SENSORS).where(SENSORS.c.id == bindparam("b_id")),
        [{"b_id": sensor_id, "observed_at": s.observed_at, "count": s.count, "present": s.present}
         for sensor_id, s in states.items()],
    )  # fmt: skip


def set_statuses(statuses: list[tuple[int, str, datetime]]) -> None:
    """(sensor id, status, when) for each retained status received."""
    if statuses:
        db.session.execute(
            update(SENSORS).where(SENSORS.c.id == bindparam("b_id")),
            [{"b_id": sensor, "status": status, "status_at": at} for sensor, status, at in statuses],
        )


def count_rejections(counts: list[tuple[str, str, int, str]], now: datetime) -> None:
    """Add (sensor, reason, how many, latest detail) to the rejection counters."""
    if not counts:
        return
    table = IngestRejection.__table__
    statement = _insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["sensor", "reason"],
        set_={
            "count": table.c.count + statement.excluded.count,
            "last_at": statement.excluded.last_at,
            "detail": statement.excluded.detail,
        },
    )
    rows = [
        {"sensor": sensor[:200], "reason": reason, "count": n, "last_at": now, "detail": detail[:200]}
        for sensor, reason, n, detail in counts
    ]
    db.session.execute(statement, rows)
