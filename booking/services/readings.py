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
from itertools import groupby
from operator import itemgetter

from sqlalchemy import exists, or_, select

from booking import presence
from booking.clock import utcnow
from booking.extensions import db
from booking.models import OccupancyReading, Sensor, Space, SpaceOccupancy
from booking.services import catalog, history
from booking.services.unit_of_work import unit_of_work
from booking.store import readings as store


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



# --- writing ------------------------------------------------------------------------------


def record_readings(batch: Batch, now: datetime, *, settle: bool = True) -> Recorded:
    """Store a batch in one transaction; duplicates are absorbed and older readings never win.

    With ``settle=False`` the spaces' combined state is left for `settle_spaces`: recombining reads
    every sensor of every touched space, and the ingest worker, storing a few batches a second
    from the same spaces, does it once a second instead of once per batch.
    """
    with unit_of_work():
        readings = _unique(batch.readings)
        space_of = store.spaces_of({r.sensor for r in readings} | {s.sensor for s in batch.statuses})
        readings = [r for r in readings if r.sensor in space_of]  # sensors deleted meanwhile: dropped
        statuses = [s for s in batch.statuses if s.sensor in space_of]
        headcounts = [r for r in readings if r.count is not None or r.present is not None]
        crossings = [r for r in readings if r.count is None and r.present is None and r.has_occupancy]

        # A duplicate headcount changes nothing (it is not newer than itself); a duplicate crossing
        # would count twice, so for those the store says which ones were new.
        stored = store.insert_readings([_row(r, space_of) for r in headcounts])
        new = store.insert_new([_row(r, space_of) for r in crossings])
        new_crossings = [r for r in crossings if (r.sensor, r.observed_at) in new]
        # The sensors with new crossings are folded reading by reading through the pure rule, their
        # headcounts with them (the order matters there); the others take their newest values in one
        # UPDATE, which the pure rule folded over the same readings gives too (the store's contract).
        folded = {r.sensor for r in new_crossings}
        heard = sorted((r for r in batch.readings if r.sensor in space_of), key=lambda r: r.observed_at)
        store.apply_latest(_latest(heard, [r for r in headcounts if r.sensor not in folded]))
        _fold([r for r in headcounts if r.sensor in folded] + new_crossings)
        names = {True: presence.ONLINE, False: presence.OFFLINE, None: presence.UNKNOWN}
        store.set_statuses([(s.sensor, names[s.online], s.received_at) for s in statuses])
        store.count_rejections(
            [(sensor, reason, n, batch.details.get((sensor, reason), "")) for (sensor, reason), n in
             sorted(batch.rejections.items())],
            now,
        )  # fmt: skip
        touched = {space_of[r.sensor] for r in headcounts + new_crossings} | {space_of[s.sensor] for s in statuses}
        spaces = _refresh_spaces(touched, now) if settle else set()

    stored += len(new_crossings)
    received = sum(1 for r in batch.readings if r.has_occupancy and r.sensor in space_of)
    return Recorded(stored, received - stored, frozenset(spaces), frozenset(touched))


def _row(reading: SensorReading, space_of: dict[int, int]) -> store.Row:
    r = reading
    return store.Row(r.sensor, space_of[r.sensor], r.observed_at, r.count, r.present, r.entered, r.exited)


def _latest(heard: list[SensorReading], headcounts: list[SensorReading]) -> list[store.Latest]:
    """Per sensor of the batch: last heard (duplicates too), battery, its newest headcount and presence."""
    seen: dict[int, tuple[datetime, int | None]] = {}
    for r in heard:
        last, battery = seen.get(r.sensor, (r.received_at, None))
        seen[r.sensor] = (max(last, r.received_at), r.battery if r.battery is not None else battery)
    newest = {r.sensor: r for r in headcounts}  # readings are sorted by time: the last one wins
    counted = {r.sensor: r for r in headcounts if r.count is not None}
    changes = []
    for sensor, (at, battery) in seen.items():
        n, c = newest.get(sensor), counted.get(sensor)
        changes.append(
            store.Latest(
                sensor, at, battery,
                newest=n.observed_at if n else None, present=presence.headcount(n.count, n.present)[1] if n else None,
                counted=c.observed_at if c else None, count=c.count if c else None,
            )
        )  # fmt: skip
    return changes


def _fold(readings: list[SensorReading]) -> None:
    """Apply readings one by one, in time order, through the pure rule (read, lock, write)."""
    if not readings:
        return
    states = store.locked_states(r.sensor for r in readings)
    for r in sorted(readings, key=lambda r: r.observed_at):
        states[r.sensor] = presence.apply_reading(
            states[r.sensor], r.observed_at, count=r.count, present=r.present, entered=r.entered, exited=r.exited
        )
    store.write_states(states)


def settle_spaces(space_ids: Iterable[int], now: datetime) -> set[int]:
    """Recombine these spaces' state from their sensors, in one transaction; returns those that changed.

    Idempotent and derived from the sensors alone: settling late, twice, or after another worker
    settled the same spaces gives the same rows.
    """
    with unit_of_work():
        changed = _refresh_spaces(set(space_ids), now)
    return changed


def _unique(readings: Iterable[SensorReading]) -> list[SensorReading]:
    seen: dict[tuple[int, datetime], SensorReading] = {}
    for reading in readings:
        seen.setdefault((reading.sensor, reading.observed_at), reading)
    return sorted(seen.values(), key=lambda r: r.observed_at)


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
    query = select(Sensor.space_id, *store.STATE_COLUMNS).where(Sensor.space_id.in_(ids)).order_by(Sensor.space_id)
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
    """Whether any reading of the space in [start, end) shows people (the rollups say so before the
    raw readings' horizon: see booking.services.history)."""
    raw_from = history.raw_from()
    if raw_from is not None and start < raw_from:
        if history.rolled_presence(space_id, start, min(end, raw_from)):
            return True
        start = raw_from
    if start >= end:
        return False
    table = OccupancyReading.__table__
    people = or_(table.c.present.is_(True), table.c.count > 0, table.c.entered > 0)
    query = select(
        exists().where(table.c.space_id == space_id, table.c.observed_at >= start, table.c.observed_at < end, people)
    )
    return bool(db.session.scalar(query))
