"""Booked versus actual use, per space, site and company, per local day."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from booking import access, rollups, rules
from booking.errors import Invalid
from booking.extensions import db
from booking.models import Booking, OccupancyReading, Organisation, Space, User, UtilizationDay
from booking.rules import Problem
from booking.services import catalog, history
from booking.services.unit_of_work import unit_of_work
from booking.utilization import (
    BOOKED_STATUSES,
    BookedSpan,
    Figures,
    Reading,
    SensorSample,
    day_of_counts,
    figures_of,
    space_timeline,
)

MAX_DAYS = 366
GROUPS = ("space", "site", "company")
FIGURES = ("bookable_minutes", "booked_minutes", "occupied_minutes", "booked_used_minutes", "no_shows", "peak_count")

# space ids, start, end, edges -> {space_id: readings}; tests may script their own
ReadingsSource = Callable[..., dict[int, list[Reading]]]


# how far back to look for the reading a day opens with (a room left occupied overnight)
LOOKBACK = timedelta(days=1)
# raw windows per statement when splicing the buckets that hold an edge off the grid: a site's
# month is a few hundred; the OR of their ranges stays well inside SQLite's expression depth
WINDOWS_PER_QUERY = 200


def _samples(where) -> dict[int, list[SensorSample]]:
    """Each space's stored raw readings matching ``where``: the one place history reads them."""
    table = OccupancyReading.__table__
    rows = db.session.execute(
        select(table.c.space_id, table.c.sensor_id, table.c.observed_at, table.c.count, table.c.present,
               table.c.entered, table.c.exited).where(where)
    )  # fmt: skip
    samples: dict[int, list[SensorSample]] = defaultdict(list)
    for row in rows:
        samples[row.space_id].append(
            SensorSample(row.sensor_id, row.observed_at, row.count, row.present, row.entered, row.exited)
        )
    return samples


def samples_between(space_ids: list[int], start: datetime, end: datetime) -> dict[int, list[SensorSample]]:
    """Each space's stored raw readings over [start - LOOKBACK, end)."""
    table = OccupancyReading.__table__
    return _samples(
        and_(table.c.space_id.in_(space_ids), table.c.observed_at >= start - LOOKBACK, table.c.observed_at < end)
    )


def samples_within(windows: dict[int, list[tuple[datetime, datetime]]]) -> dict[int, list[SensorSample]]:
    """Each space's stored raw readings in its windows [a, b), a statement per WINDOWS_PER_QUERY."""
    table = OccupancyReading.__table__
    ranges = [(space_id, a, b) for space_id, found in sorted(windows.items()) for a, b in found]
    samples: dict[int, list[SensorSample]] = defaultdict(list)
    for first in range(0, len(ranges), WINDOWS_PER_QUERY):
        where = or_(*(and_(table.c.space_id == space_id, table.c.observed_at >= a, table.c.observed_at < b)
                      for space_id, a, b in ranges[first : first + WINDOWS_PER_QUERY]))  # fmt: skip
        for space_id, found in _samples(where).items():
            samples[space_id] += found
    return samples


def changes(timeline: list[Reading]) -> list[Reading]:
    """The timeline with only the readings that change the count.

    A sensor repeats its count every interval: a month of a room is ~20,000 readings saying the same
    few numbers. A repeat starts a segment with the count of the one before it, and the figures
    (booking.utilization.day_figures) join touching segments and take their peak: dropping repeats
    gives the same figures from a timeline a hundred times shorter.
    """
    out: list[Reading] = []
    for reading in sorted(timeline, key=lambda r: r.at):
        if out and out[-1].count == reading.count:
            continue
        if out and out[-1].at == reading.at:
            out.pop()  # the later of two readings at one time holds
            if out and out[-1].count == reading.count:
                continue
        out.append(reading)
    return out


def readings_between(
    space_ids: list[int], start: datetime, end: datetime, edges: dict[int, list[datetime]] | None = None
) -> dict[int, list[Reading]]:
    """Each space's combined headcount timeline over [start - LOOKBACK, end): from the rollups
    before ``rolled_until`` (booking.services.history), from the raw readings after it.

    The rollups give the raw readings' figures for windows on the 5-minute grid only. Where raw
    readings are still kept (from ``raw_from``), the buckets holding one of a space's ``edges``
    (a booking's start or end, say) off the grid are read raw too and spliced in, so the figures
    are exactly the raw readings'; before ``raw_from`` the rollups are all there is.
    """
    first = start - LOOKBACK
    rolled_until, raw_from = history.bounds()
    if rolled_until is None or first >= rolled_until:
        return {
            space_id: changes(space_timeline(found))
            for space_id, found in samples_between(space_ids, start, end).items()
        }
    stored = history.stored_buckets(space_ids, first, min(end, rolled_until))
    timelines = {space_id: rollups.timeline_of(found) for space_id, found in stored.items()}
    since = max(raw_from or first, first)
    patches = {
        space_id: found
        for space_id in space_ids
        if (found := rollups.raw_patches(stored.get(space_id, []), (edges or {}).get(space_id, []), since,
                                         min(end, rolled_until), LOOKBACK))
    }  # fmt: skip
    # the unrolled tail, from the start of the occupied run it opens with (mostly: from midnight)
    tail_from = (
        {space_id: rollups.opening_run(stored.get(space_id, []), rolled_until, LOOKBACK) for space_id in space_ids}
        if end > rolled_until
        else {}
    )
    windows = {space_id: [(p.read_from, p.until) for p in patches.get(space_id, [])] for space_id in space_ids}
    for space_id, read_from in tail_from.items():
        windows[space_id].append((read_from, end))
    raw = samples_within(windows)  # one statement for a site's month
    for space_id in space_ids:
        found, tail = raw.get(space_id, []), tail_from.get(space_id)
        timelines[space_id] = _with_raw(timelines.get(space_id, []), found, patches.get(space_id, []), tail,
                                        rolled_until, end)  # fmt: skip
    return {space_id: changes(timeline) for space_id, timeline in timelines.items()}


def _with_raw(
    rolled: list[Reading], samples: list[SensorSample], patches: list[rollups.RawPatch],
    tail_from: datetime | None, rolled_until: datetime, end: datetime,
) -> list[Reading]:  # fmt: skip
    """A space's rolled timeline with its raw readings spliced into the patches' buckets, and its
    raw readings after ``rolled_until`` (read from ``tail_from``, None: not asked for)."""
    samples = sorted(samples, key=lambda s: s.at)
    times = [s.at for s in samples]

    def between(a: datetime, b: datetime) -> list[SensorSample]:
        return samples[bisect_left(times, a) : bisect_left(times, b)]

    # a window with no reading at all: pruned since the horizon was read, the rollups stand
    pieces = [(p, changes(space_timeline(found))) for p in patches if (found := between(p.read_from, p.until))]
    timeline = rollups.splice(rolled, pieces) if pieces else rolled
    if tail_from is None or not (found := between(tail_from, end)):
        return timeline
    tail = space_timeline(found)
    # the state the raw part opens with: its last reading before the horizon, else nobody
    opening = next((r.count for r in reversed(tail) if r.at < rolled_until), 0)
    return (
        [r for r in timeline if r.at < rolled_until]
        + [Reading(rolled_until, opening)]
        + [r for r in tail if r.at >= rolled_until]
    )


def _readings_source() -> ReadingsSource:
    return readings_between


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _local_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(day, time(0), tz), datetime.combine(day + timedelta(days=1), time(0), tz)


def space_days(
    spaces: list[Space], start: date, end: date, *, now: datetime, organisation_id: int | None = None,
    readings: ReadingsSource | None = None,
) -> Iterable[tuple[Space, date, int, Figures]]:  # fmt: skip
    """(space, day, organisation id or 0, figures) for every space and day; per company too
    when ``organisation_id`` is None (0 rows are the whole space)."""
    if not spaces:
        return
    readings = readings or _readings_source()
    closures = catalog.closures_by_space(spaces)
    tz_of = {s.id: ZoneInfo(s.site.timezone) for s in spaces}
    range_start = min(_local_bounds(start, tz)[0] for tz in tz_of.values())
    range_end = max(_local_bounds(end, tz)[1] for tz in tz_of.values())
    query = select(Booking).where(
        Booking.space_id.in_([s.id for s in spaces]),
        Booking.status.in_(BOOKED_STATUSES),
        Booking.start_at < range_end,
        *Booking.ends_after(range_start),
    )
    if organisation_id is not None:
        query = query.where(Booking.organisation_id == organisation_id)
    by_space: dict[int, list[BookedSpan]] = defaultdict(list)
    for b in db.session.scalars(query):
        by_space[b.space_id].append(BookedSpan(b.start_at, b.end_at, b.status, b.organisation_id))
    # where a window of the figures starts or ends: the rollups are exact only on the grid
    edges = {
        s.id: [t for span in by_space.get(s.id, []) for t in (span.start, span.end)]
        + [_local_bounds(day, tz_of[s.id])[0] for day in _days(start, end + timedelta(days=1))]
        + [now]
        for s in spaces
    }
    seen = readings([s.id for s in spaces], range_start, range_end, edges=edges)
    for space in spaces:
        policy = catalog.policy_of(space, closures[space.id])
        tz = tz_of[space.id]
        spans = by_space.get(space.id, [])
        timeline = sorted(seen.get(space.id, []), key=lambda r: r.at)
        times = [r.at for r in timeline]
        # a row every day for each company that booked the space in the range (the asking one only)
        companies = sorted({organisation_id} if organisation_id is not None else {s.organisation_id for s in spans})
        for day in _days(start, end):
            day_start, day_end = _local_bounds(day, tz)
            # the day's own readings and the one it opens with: handing every day the whole range
            # made a month's report sort the month's readings once per day (quadratic in its length)
            first, last = bisect_left(times, day_start), bisect_left(times, day_end)
            # the day's count worked out once, for the whole space and each company's share of it
            counts = day_of_counts(
                day_start=day_start, day_end=day_end, readings=timeline[max(first - 1, 0) : last], now=now
            )
            opening = rules.opening_intervals(policy, day)
            # the day's bookings only: the figures look at nothing else, and a month's are hundreds
            todays = [s for s in spans if s.start < day_end and s.end > day_start]
            if organisation_id is None:
                yield space, day, 0, figures_of(counts, opening=opening, bookings=todays)
            for org in companies:
                mine = [s for s in todays if s.organisation_id == org]
                yield space, day, org, figures_of(counts, opening=opening, bookings=mine, within_bookings=True)


def _parse_range(start: date, end: date) -> None:
    if end < start:
        raise Invalid([Problem("end", "must not be before start")])
    if (end - start).days >= MAX_DAYS:
        raise Invalid([Problem("end", f"at most {MAX_DAYS} days at once")])


def report(actor: User, start: date, end: date, *, group: str = "space", now: datetime | None = None) -> list[dict]:
    """Rows of figures per day and per space, site or company; a company sees only its bookings."""
    now = now or datetime.now(UTC)
    _parse_range(start, end)
    spaces = list(
        db.session.scalars(select(Space).options(joinedload(Space.site)).where(Space.active).order_by(Space.id))
    )
    own = access.own_organisation(actor)
    orgs = {o.id: o.slug for o in db.session.scalars(select(Organisation))}
    totals: dict[tuple, dict] = {}
    for space, day, org, figures in space_days(spaces, start, end, now=now, organisation_id=own):
        if group == "company":
            if org == 0:
                continue
            key = (day, orgs[org])
        elif own is None and org != 0:
            continue  # staff: the whole space's figures
        elif group == "site":
            key = (day, space.site.slug)
        else:
            key = (day, f"{space.site.slug}/{space.slug}")
        _add(totals, key, figures, company_view=own is not None or group == "company")
    if own is not None and group != "company":
        # a company's view of a space: only the days it booked there
        totals = {k: v for k, v in totals.items() if v["booked_minutes"] or v["no_shows"]}
    return [{"day": day.isoformat(), group: name, **values} for (day, name), values in sorted(totals.items())]


def _add(totals: dict, key: tuple, figures: Figures, *, company_view: bool) -> None:
    values = asdict(figures)
    if company_view:
        values["bookable_minutes"] = None  # companies book spaces, they do not own their hours
    row = totals.get(key)
    if row is None:
        totals[key] = values
        return
    for name in FIGURES:
        if row[name] is None:
            continue
        row[name] = max(row[name], values[name]) if name == "peak_count" else row[name] + values[name]


def rollup(day: date, *, now: datetime | None = None) -> int:
    """Store one day's figures (whole spaces and each company's share); rerunning replaces them."""
    with unit_of_work():
        now = now or datetime.now(UTC)
        spaces = list(db.session.scalars(select(Space).options(joinedload(Space.site)).where(Space.active)))
        existing = {
            (row.space_id, row.organisation_id): row
            for row in db.session.scalars(select(UtilizationDay).where(UtilizationDay.day == day))
        }
        count = 0
        for space, _day, org, figures in space_days(spaces, day, day, now=now):
            row = existing.get((space.id, org))
            if row is None:
                row = UtilizationDay(day=day, space_id=space.id, organisation_id=org)
                db.session.add(row)
            for name, value in asdict(figures).items():
                setattr(row, name, value)
            row.computed_at = now
            count += 1
    return count
