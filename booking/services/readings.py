"""Live occupancy: recording sensor readings, and what each space looks like now.

`record_readings` is the ingest worker's one write: a batch of decoded readings, status changes and
rejection counts in one transaction. The reads (`live_occupancy`, `site_occupancy`,
`space_sensor_health`, `presence_between`) are what the API, the pages and the scheduler use.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter

from sqlalchemy import bindparam, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from booking import presence
from booking.extensions import db
from booking.models import IngestRejection, OccupancyReading, Sensor, Space, SpaceOccupancy
from booking.services import catalog


@dataclass(frozen=True, slots=True)  # one per reading or per sensor: no __dict__ each
class SensorReading:
    """One decoded reading of a registered sensor (plain values: booking never sees MQTT)."""

    sensor: int  # Sensor.id
    observed_at: datetime
    received_at: datetime
    count: int | None = None
    present: bool | None = None
    entered: int | None = None
    exited: int | None = None
    battery: int | None = None

    @property
    def has_occupancy(self) -> bool:
        return any(v is not None for v in (self.count, self.present, self.entered, self.exited))


@dataclass(frozen=True, slots=True)  # one per reading or per sensor: no __dict__ each
class StatusReport:
    """A sensor's retained status: True online, False offline (its Last Will), None cleared."""

    sensor: int
    online: bool | None
    received_at: datetime


@dataclass
class Batch:
    """What the ingest worker hands over at once; `rejections` maps (sensor, reason) to a count."""

    readings: list[SensorReading] = field(default_factory=list)
    statuses: list[StatusReport] = field(default_factory=list)
    rejections: Counter[tuple[str, str]] = field(default_factory=Counter)
    details: dict[tuple[str, str], str] = field(default_factory=dict)  # the latest detail per counter


@dataclass(frozen=True)
class Recorded:
    stored: int  # new readings
    duplicates: int  # readings already stored, absorbed
    spaces: frozenset[int]  # spaces whose state changed (none when not settled)
    touched: frozenset[int] = frozenset()  # spaces whose sensors changed: what `settle_spaces` needs


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- writing ------------------------------------------------------------------------------


def record_readings(batch: Batch, now: datetime, *, settle: bool = True) -> Recorded:
    """Store a batch in one transaction; duplicates are absorbed and older readings never win.

    With ``settle=False`` the spaces' combined state is left for `settle_spaces`: recombining reads
    every sensor of every touched space, and the ingest worker, storing a few batches a second
    from the same spaces, does it once a second instead of once per batch.
    """
    readings = _unique(batch.readings)
    space_of = _spaces_of({r.sensor for r in readings} | {s.sensor for s in batch.statuses})
    readings = [r for r in readings if r.sensor in space_of]  # sensors deleted meanwhile: dropped
    statuses = [s for s in batch.statuses if s.sensor in space_of]
    headcounts = [r for r in readings if r.count is not None or r.present is not None]
    crossings = [r for r in readings if r.count is None and r.present is None and r.has_occupancy]

    stored = _insert_readings(headcounts, space_of)
    inserted = _insert_crossings(crossings, space_of)
    new_crossings = [r for r in crossings if (r.sensor, r.observed_at) in inserted]
    _apply_latest(readings, headcounts)
    _apply_crossings(new_crossings)
    _apply_statuses(statuses)
    _count_rejections(batch, now)
    touched = {space_of[r.sensor] for r in headcounts + new_crossings} | {space_of[s.sensor] for s in statuses}
    spaces = _refresh_spaces(touched, now) if settle else set()
    db.session.commit()

    stored += len(new_crossings)
    received = sum(1 for r in batch.readings if r.has_occupancy and r.sensor in space_of)
    return Recorded(stored, received - stored, frozenset(spaces), frozenset(touched))


def settle_spaces(space_ids: Iterable[int], now: datetime) -> set[int]:
    """Recombine these spaces' state from their sensors, in one transaction; returns those that changed.

    Idempotent and derived from the sensors alone: settling late, twice, or after another worker
    settled the same spaces gives the same rows.
    """
    changed = _refresh_spaces(set(space_ids), now)
    db.session.commit()
    return changed


def _unique(readings: Iterable[SensorReading]) -> list[SensorReading]:
    seen: dict[tuple[int, datetime], SensorReading] = {}
    for reading in readings:
        seen.setdefault((reading.sensor, reading.observed_at), reading)
    return sorted(seen.values(), key=lambda r: r.observed_at)


# One parameter for the whole id list, so the text of the query never changes: an IN list of a
# few thousand placeholders was rendered, then split again by the driver, for every batch.
_SPACES_OF = {
    "postgresql": "SELECT id, space_id FROM sensors WHERE id = ANY(%s::integer[])",
    "sqlite": "SELECT id, space_id FROM sensors WHERE id IN (SELECT value FROM json_each(?))",
}


def _spaces_of(sensor_ids: set[int]) -> dict[int, int]:
    """Sensor id -> its space id, for the sensors still registered."""
    if not sensor_ids:
        return {}
    connection = db.session.connection()
    ids = sorted(sensor_ids)
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(_SPACES_OF["postgresql"], (ids,))
    else:
        rows = connection.exec_driver_sql(_SPACES_OF["sqlite"], (json.dumps(ids),))
    return dict(rows.all())


def _insert(table):
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


# The hot path of the ingest worker goes to the driver's executemany as tuples (SQLAlchemy's
# per-row parameter processing cost more than the database itself); times are bound by the
# column type's own processor, so they compare exactly with what the ORM writes and queries.
_COLUMNS = ("sensor_id", "space_id", "observed_at", "count", "present", "entered", "exited")
_INSERT_READINGS = (
    f"INSERT INTO occupancy_readings ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
    "ON CONFLICT (sensor_id, observed_at) DO NOTHING"
)
# One statement per sensor and batch. Last seen only moves forward; a battery-less reading keeps
# the battery known; and the guard that keeps an older headcount from overwriting newer state,
# even across workers (every right-hand side sees the row as it was before the UPDATE).
_NEWER = "(? AND (observed_at IS NULL OR observed_at < ?))"  # (has a headcount, its time)
_APPLY_LATEST = (
    "UPDATE sensors SET "
    "last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < ? THEN ? ELSE last_seen_at END, "
    "battery = COALESCE(?, battery), "
    f"count = CASE WHEN {_NEWER} THEN COALESCE(?, count) ELSE count END, "
    f"present = CASE WHEN {_NEWER} THEN ? ELSE present END, "
    f"observed_at = CASE WHEN {_NEWER} THEN ? ELSE observed_at END "
    "WHERE id = ?"
)


# A sensor as the combining rule sees it (the fields of booking.presence.SensorState, in order).
_STATE_COLUMNS = (
    Sensor.slug, Sensor.kind, Sensor.interval_seconds, Sensor.status,
    Sensor.last_seen_at, Sensor.observed_at, Sensor.count, Sensor.present,
)  # fmt: skip


# On PostgreSQL the same two statements take the whole batch as one array per column: one
# statement for the server to plan and run instead of thousands, and no per-row work in the driver.
_INSERT_READINGS_PG = (
    f"INSERT INTO occupancy_readings ({', '.join(_COLUMNS)}) "
    "SELECT * FROM unnest(%s::integer[], %s::integer[], %s::timestamptz[], %s::integer[], %s::boolean[], "
    "%s::integer[], %s::integer[]) "
    "ON CONFLICT (sensor_id, observed_at) DO NOTHING"
)
_NEWER_PG = "(v.has AND (s.observed_at IS NULL OR s.observed_at < v.observed))"
_APPLY_LATEST_PG = (
    "UPDATE sensors AS s SET "
    "last_seen_at = CASE WHEN s.last_seen_at IS NULL OR s.last_seen_at < v.seen THEN v.seen ELSE s.last_seen_at END, "
    "battery = COALESCE(v.battery, s.battery), "
    f"count = CASE WHEN {_NEWER_PG} THEN COALESCE(v.count, s.count) ELSE s.count END, "
    f"present = CASE WHEN {_NEWER_PG} THEN v.present ELSE s.present END, "
    f"observed_at = CASE WHEN {_NEWER_PG} THEN v.observed ELSE s.observed_at END "
    "FROM unnest(%s::integer[], %s::timestamptz[], %s::integer[], %s::boolean[], %s::timestamptz[], "
    "%s::integer[], %s::boolean[]) AS v(id, seen, battery, has, observed, count, present) "
    "WHERE s.id = v.id"
)


def _executemany(sql: str, rows: list[tuple]) -> int:
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        sql = sql.replace("?", "%s")
    return connection.exec_driver_sql(sql, rows).rowcount if rows else 0


def _postgresql() -> bool:
    return db.session.connection().dialect.name == "postgresql"


def _execute_columns(sql: str, rows: list[tuple]) -> int:
    """Run a PostgreSQL statement taking one array per column of `rows`."""
    if not rows:
        return 0
    columns = tuple(_array_literal(column) for column in zip(*rows, strict=True))
    return db.session.connection().exec_driver_sql(sql, columns).rowcount


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


def _time_binder():
    dialect = db.session.connection().dialect
    return Sensor.__table__.c.observed_at.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)


def _insert_readings(readings: list[SensorReading], space_of: dict[int, int]) -> int:
    """Insert headcount and presence readings, skipping duplicates; returns how many were new.

    Which ones were duplicates does not matter: re-applying a headcount changes nothing, since
    it is not newer than itself.
    """
    to_db = _time_binder()
    rows = [
        (r.sensor, space_of[r.sensor], to_db(r.observed_at), r.count, r.present, r.entered, r.exited) for r in readings
    ]
    if _postgresql():
        return _execute_columns(_INSERT_READINGS_PG, rows)
    return _executemany(_INSERT_READINGS, rows)


def _insert_crossings(readings: list[SensorReading], space_of: dict[int, int]) -> set[tuple[int, datetime]]:
    """Insert line-crossing readings; returns the keys that were new, since only those may count."""
    if not readings:
        return set()
    table = OccupancyReading.__table__
    statement = (
        _insert(table)
        .on_conflict_do_nothing(index_elements=["sensor_id", "observed_at"])
        .returning(table.c.sensor_id, table.c.observed_at)
    )
    rows = [
        {"sensor_id": r.sensor, "space_id": space_of[r.sensor], "observed_at": r.observed_at,
         "entered": r.entered, "exited": r.exited}
        for r in readings
    ]  # fmt: skip
    return {(row.sensor_id, row.observed_at) for row in db.session.execute(statement, rows)}


def _apply_latest(readings: list[SensorReading], headcounts: list[SensorReading]) -> None:
    """Each sensor's last seen, battery, and newest headcount of the batch, in one UPDATE per sensor."""
    seen: dict[int, tuple[datetime, int | None]] = {}
    for r in readings:
        last, battery = seen.get(r.sensor, (r.received_at, None))
        seen[r.sensor] = (max(last, r.received_at), r.battery if r.battery is not None else battery)
    newest = {r.sensor: r for r in headcounts}  # readings are sorted by time: the last one wins
    to_db = _time_binder()
    postgresql = _postgresql()
    rows = []
    for sensor, (at, battery) in seen.items():
        reading = newest.get(sensor)
        if reading is None:
            observed, count, present = None, None, None
        else:
            observed = to_db(reading.observed_at)
            count, present = presence.headcount(reading.count, reading.present)
        seen_at = to_db(at)
        has = reading is not None
        if postgresql:
            rows.append((sensor, seen_at, battery, has, observed, count, present))
        else:
            rows.append((seen_at, seen_at, battery, *(has, observed, count), *(has, observed, present),
                         *(has, observed, observed), sensor))  # fmt: skip
    if postgresql:
        rows.sort()  # the same order from every worker
        _execute_columns(_APPLY_LATEST_PG, rows)
    else:
        _executemany(_APPLY_LATEST, rows)


def _apply_crossings(readings: list[SensorReading]) -> None:
    """Fold new line crossings into their sensors' headcounts (rare: read, lock, write)."""
    if not readings:
        return
    table = Sensor.__table__
    query = select(Sensor.id, *_STATE_COLUMNS).where(Sensor.id.in_(sorted({r.sensor for r in readings})))
    if db.engine.dialect.name == "postgresql":
        query = query.order_by(Sensor.id).with_for_update()  # two workers adding to one headcount take turns
    states = {sensor_id: presence.SensorState(*values) for sensor_id, *values in db.session.execute(query)}
    for r in readings:
        states[r.sensor] = presence.apply_reading(states[r.sensor], r.observed_at, entered=r.entered, exited=r.exited)
    db.session.execute(
        update(table).where(table.c.id == bindparam("b_id")),
        [{"b_id": sensor_id, "observed_at": s.observed_at, "count": s.count, "present": s.present}
         for sensor_id, s in states.items()],
    )  # fmt: skip


def _apply_statuses(statuses: list[StatusReport]) -> None:
    if not statuses:
        return
    table = Sensor.__table__
    names = {True: presence.ONLINE, False: presence.OFFLINE, None: presence.UNKNOWN}
    db.session.execute(
        update(table).where(table.c.id == bindparam("b_id")),
        [{"b_id": s.sensor, "status": names[s.online], "status_at": s.received_at} for s in statuses],
    )


def _count_rejections(batch: Batch, now: datetime) -> None:
    if not batch.rejections:
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
        {"sensor": sensor[:200], "reason": reason, "count": n, "last_at": now,
         "detail": batch.details.get((sensor, reason), "")[:200]}
        for (sensor, reason), n in sorted(batch.rejections.items())
    ]  # fmt: skip
    db.session.execute(statement, rows)


def _refresh_spaces(space_ids: set[int], now: datetime) -> set[int]:
    """Recombine the given spaces' state from their sensors; returns those that changed."""
    if not space_ids:
        return set()
    by_space = _combined(space_ids, now)
    current = _occupancy_rows(space_ids)
    changed = set()
    for space_id in space_ids:
        combined, _health = by_space[space_id]
        row = current.get(space_id)
        if row is None:
            row = SpaceOccupancy(space_id=space_id, since=combined.observed_at, sources=[])
            db.session.add(row)
        elif (row.count, row.present, row.observed_at, tuple(row.sources)) == (
            combined.count, combined.present, combined.observed_at, combined.sources,
        ):  # fmt: skip
            continue
        if row.present != combined.present:
            row.since = combined.observed_at
        row.count, row.present, row.observed_at = combined.count, combined.present, combined.observed_at
        row.sources = list(combined.sources)
        row.updated_at = now
        changed.add(space_id)
    return changed


def _occupancy_rows(space_ids: Iterable[int]) -> dict[int, SpaceOccupancy]:
    query = select(SpaceOccupancy).where(SpaceOccupancy.space_id.in_(list(space_ids)))
    return {row.space_id: row for row in db.session.scalars(query)}


def _combined(space_ids: Iterable[int], now: datetime, *, health: bool = False) -> dict[int, tuple]:
    """Each space's combined state and, when asked, its sensors' health, in one query.

    The sensors come in space order, a thousand rows at a time, and only one space's are kept while
    it is combined: the ingest worker and its door displays do this every second, and a venue with
    10,000 sensors would otherwise hold them all (several MB) at once, twice. One space alone (most
    API calls) is read at once: a server-side cursor would cost it round trips for nothing.
    """
    ids = list(space_ids)
    query = select(Sensor.space_id, *_STATE_COLUMNS).where(Sensor.space_id.in_(ids)).order_by(Sensor.space_id)
    if len(ids) > 1:
        query = query.execution_options(yield_per=1000)
    result = {}
    for space_id, rows in groupby(db.session.execute(query), key=itemgetter(0)):
        states = [presence.SensorState(*row[1:]) for row in rows]
        result[space_id] = (presence.combine(states, now), presence.space_health(states, now) if health else None)
    for space_id in ids:
        if space_id not in result:  # no sensor (left)
            result[space_id] = (presence.combine([], now), presence.space_health([], now) if health else None)
    return result


# --- reading ------------------------------------------------------------------------------


def live_occupancy(space: Space, now: datetime | None = None) -> dict:
    """A space's occupancy now: count, presence, since when, from which sensors, fresh or not."""
    return live_states([space], now or utcnow())[0]


def site_occupancy(site_slug: str, now: datetime | None = None) -> list[dict]:
    """Every active space of a site, as `live_occupancy` shows it."""
    site = catalog.get_site(site_slug)
    return live_states([space for space in site.spaces if space.active], now or utcnow())


def live_states(spaces: list[Space], now: datetime) -> list[dict]:
    """`live_occupancy` of several spaces at once (two queries)."""
    ids = [space.id for space in spaces]
    by_space = _combined(ids, now, health=True)
    rows = {
        row.space_id: row for row in db.session.scalars(select(SpaceOccupancy).where(SpaceOccupancy.space_id.in_(ids)))
    }
    result = []
    for space in spaces:
        combined, health = by_space[space.id]
        row = rows.get(space.id)
        result.append(
            {
                "site": space.site.slug,
                "space": space.slug,
                "timezone": space.site.timezone,
                "count": combined.count,
                "present": combined.present,
                "state": combined.state,
                "since": row.since if row else None,
                "observed_at": combined.observed_at,
                "updated_at": row.updated_at if row else None,
                "fresh": combined.fresh,
                "sources": list(combined.sources),
                "health": health,
            }
        )
    return result


def changed_since(site_slug: str, since: datetime | None, now: datetime | None = None) -> tuple[list[dict], datetime]:
    """Spaces of a site whose state changed after `since` (every space when None), and the new cursor."""
    site = catalog.get_site(site_slug)
    query = select(SpaceOccupancy.space_id, SpaceOccupancy.updated_at).join(Space).where(Space.site_id == site.id)
    if since is not None:
        query = query.where(SpaceOccupancy.updated_at > since)
    rows = db.session.execute(query).all()
    cursor = max((row.updated_at for row in rows), default=since or EPOCH)
    ids = {row.space_id for row in rows}
    spaces = [space for space in site.spaces if space.active and (since is None or space.id in ids)]
    return (live_states(spaces, now or utcnow()) if spaces else []), cursor


def space_sensor_health(space_id: int, now: datetime) -> str:
    """``healthy`` | ``stale`` | ``offline`` | ``missing``: may the sensors of this space be trusted now?"""
    return _combined([space_id], now, health=True)[space_id][1]


def presence_between(space_id: int, start: datetime, end: datetime) -> bool:
    """Whether any reading of the space in [start, end) shows people."""
    table = OccupancyReading.__table__
    people = or_(table.c.present.is_(True), table.c.count > 0, table.c.entered > 0)
    query = select(
        exists().where(table.c.space_id == space_id, table.c.observed_at >= start, table.c.observed_at < end, people)
    )
    return bool(db.session.scalar(query))
