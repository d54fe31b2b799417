"""Live occupancy: recording sensor readings, and what each space looks like now.

`record_readings` is the ingest worker's one write: a batch of decoded readings, status changes and
rejection counts in one transaction. The reads (`live_occupancy`, `site_occupancy`,
`space_sensor_health`, `presence_between`) are what the API, the pages and the scheduler use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from booking import occupancy as rules
from booking.extensions import db
from booking.models import IngestRejection, OccupancyReading, Sensor, Space, SpaceOccupancy
from booking.services import catalog


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    spaces: frozenset[int]  # spaces whose state changed


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- writing ------------------------------------------------------------------------------


def record_readings(batch: Batch, now: datetime) -> Recorded:
    """Store a batch in one transaction; duplicates are absorbed and older readings never win."""
    readings = _unique(batch.readings)
    sensor_ids = {r.sensor for r in readings} | {s.sensor for s in batch.statuses}
    sensors = _lock_sensors(sensor_ids)
    readings = [r for r in readings if r.sensor in sensors]  # deleted meanwhile: dropped
    headcounts = [r for r in readings if r.count is not None or r.present is not None]
    crossings = [r for r in readings if r.count is None and r.present is None and r.has_occupancy]
    stored = _insert_readings(headcounts, sensors)
    new_crossings = _insert_crossings(crossings, sensors)
    received = sum(1 for r in batch.readings if r.has_occupancy and r.sensor in sensors)

    changed_sensors = _apply(readings, new_crossings, batch.statuses, sensors)
    if changed_sensors:
        db.session.execute(
            update(Sensor.__table__).where(Sensor.__table__.c.id == bindparam("b_id")),
            [_sensor_row(sensors[sensor_id]) for sensor_id in sorted(changed_sensors)],
        )
    _count_rejections(batch, now)
    spaces = _refresh_spaces({sensors[s]["space_id"] for s in changed_sensors}, now)
    db.session.commit()
    stored += len(new_crossings)
    return Recorded(stored, received - stored, frozenset(spaces))


def _unique(readings: Iterable[SensorReading]) -> list[SensorReading]:
    seen: dict[tuple[int, datetime], SensorReading] = {}
    for reading in readings:
        seen.setdefault((reading.sensor, reading.observed_at), reading)
    return sorted(seen.values(), key=lambda r: r.observed_at)


def _lock_sensors(sensor_ids: set[int]) -> dict[int, dict]:
    """The sensors' current rows, locked on PostgreSQL so that two workers serialise per sensor."""
    if not sensor_ids:
        return {}
    table = Sensor.__table__
    query = select(table).where(table.c.id.in_(sorted(sensor_ids))).order_by(table.c.id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    return {row.id: dict(row._mapping) for row in db.session.execute(query)}


def _insert(table):
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _reading_rows(readings: list[SensorReading], sensors: dict[int, dict]) -> list[dict]:
    return [
        {
            "sensor_id": r.sensor,
            "space_id": sensors[r.sensor]["space_id"],
            "observed_at": r.observed_at,
            "count": r.count,
            "present": r.present,
            "entered": r.entered,
            "exited": r.exited,
        }
        for r in readings
    ]


_COLUMNS = ("sensor_id", "space_id", "observed_at", "count", "present", "entered", "exited")
_INSERT_IGNORING_DUPLICATES = {
    "sqlite": f"INSERT OR IGNORE INTO occupancy_readings ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * 7)})",
    "postgresql": f"INSERT INTO occupancy_readings ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * 7)}) "
    "ON CONFLICT (sensor_id, observed_at) DO NOTHING",
}


def _insert_readings(readings: list[SensorReading], sensors: dict[int, dict]) -> int:
    """Insert headcount and presence readings, skipping duplicates; returns how many were new.

    Which ones were duplicates does not matter here: re-applying a headcount already applied
    changes nothing (it is not newer than itself). This is the hot path of the ingest worker, so
    the rows go to the driver's executemany as tuples, bound once by the column's own type.
    """
    if not readings:
        return 0
    connection = db.session.connection()
    dialect = connection.dialect
    to_db = OccupancyReading.__table__.c.observed_at.type.dialect_impl(dialect).bind_processor(dialect) or (lambda v: v)
    rows = [
        (r.sensor, sensors[r.sensor]["space_id"], to_db(r.observed_at), r.count, r.present, r.entered, r.exited)
        for r in readings
    ]
    return connection.exec_driver_sql(_INSERT_IGNORING_DUPLICATES[connection.dialect.name], rows).rowcount


def _insert_crossings(readings: list[SensorReading], sensors: dict[int, dict]) -> set[tuple[int, datetime]]:
    """Insert line-crossing readings; returns the keys that were new, since only those may count."""
    if not readings:
        return set()
    table = OccupancyReading.__table__
    statement = (
        _insert(table)
        .on_conflict_do_nothing(index_elements=["sensor_id", "observed_at"])
        .returning(table.c.sensor_id, table.c.observed_at)
    )
    result = db.session.execute(statement, _reading_rows(readings, sensors))
    return {(row.sensor_id, row.observed_at) for row in result}


def _apply(
    readings: list[SensorReading],
    new_crossings: set[tuple[int, datetime]],
    statuses: list[StatusReport],
    sensors: dict[int, dict],
) -> set[int]:
    """Fold the batch into each sensor's latest values (readings come sorted by time)."""
    changed: set[int] = set()
    newest: dict[int, SensorReading] = {}
    folded: dict[int, list[SensorReading]] = {}
    for reading in readings:
        row = sensors[reading.sensor]
        if row["last_seen_at"] is None or reading.received_at > row["last_seen_at"]:
            row["last_seen_at"] = reading.received_at
        if reading.battery is not None:
            row["battery"] = reading.battery
        changed.add(reading.sensor)
        if reading.count is None and reading.present is None:
            if (reading.sensor, reading.observed_at) in new_crossings:
                folded.setdefault(reading.sensor, []).append(reading)
        else:
            newest[reading.sensor] = reading
    for sensor_id, reading in newest.items():
        if sensor_id not in folded:  # the usual case: only the newest headcount can matter
            folded[sensor_id] = [reading]
        else:
            folded[sensor_id] = sorted([*folded[sensor_id], reading], key=lambda r: r.observed_at)
    for sensor_id, sensor_readings in folded.items():
        row = sensors[sensor_id]
        state = _state(row)
        for r in sensor_readings:
            state = rules.apply_reading(
                state, r.observed_at, count=r.count, present=r.present, entered=r.entered, exited=r.exited
            )
        row.update(observed_at=state.observed_at, count=state.count, present=state.present)
    for status in statuses:
        row = sensors[status.sensor]
        row["status"] = {True: rules.ONLINE, False: rules.OFFLINE, None: rules.UNKNOWN}[status.online]
        row["status_at"] = status.received_at
        changed.add(status.sensor)
    return changed


def _state(row: dict) -> rules.SensorState:
    return rules.SensorState(
        sensor_id=row["slug"],
        kind=row["kind"],
        interval_seconds=row["interval_seconds"],
        status=row["status"],
        last_seen_at=row["last_seen_at"],
        observed_at=row["observed_at"],
        count=row["count"],
        present=row["present"],
    )


_SENSOR_COLUMNS = ("status", "status_at", "last_seen_at", "battery", "observed_at", "count", "present")


def _sensor_row(row: dict) -> dict:
    return {"b_id": row["id"], **{name: row[name] for name in _SENSOR_COLUMNS}}


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
    by_space = _sensor_states(space_ids)
    current = {
        row.space_id: row
        for row in db.session.scalars(select(SpaceOccupancy).where(SpaceOccupancy.space_id.in_(space_ids)))
    }
    changed = set()
    for space_id in space_ids:
        combined = rules.combine(by_space.get(space_id, []), now)
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


def _sensor_states(space_ids: Iterable[int]) -> dict[int, list[rules.SensorState]]:
    table = Sensor.__table__
    by_space: dict[int, list[rules.SensorState]] = {}
    for row in db.session.execute(select(table).where(table.c.space_id.in_(list(space_ids)))):
        by_space.setdefault(row.space_id, []).append(_state(row._mapping))
    return by_space


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
    sensors = _sensor_states(ids)
    rows = {
        row.space_id: row for row in db.session.scalars(select(SpaceOccupancy).where(SpaceOccupancy.space_id.in_(ids)))
    }
    result = []
    for space in spaces:
        combined = rules.combine(sensors.get(space.id, []), now)
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
                "health": rules.space_health(sensors.get(space.id, []), now),
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
    return rules.space_health(_sensor_states([space_id]).get(space_id, []), now)


def presence_between(space_id: int, start: datetime, end: datetime) -> bool:
    """Whether any reading of the space in [start, end) shows people."""
    table = OccupancyReading.__table__
    people = or_(table.c.present.is_(True), table.c.count > 0, table.c.entered > 0)
    query = select(
        exists().where(table.c.space_id == space_id, table.c.observed_at >= start, table.c.observed_at < end, people)
    )
    return bool(db.session.scalar(query))
