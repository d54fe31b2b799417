"""Pure rules for summarising a space's occupancy into fixed 5-minute buckets, and back.

Raw readings age out (ONEXP_READINGS_KEEP_DAYS); what history needs of them is kept per space
and bucket: the seconds the space was occupied, its peak and time-weighted mean headcount, and
whether a reading in the bucket showed people (what presence-based check-in asks of a window).

Buckets where nothing happened (nobody there, no reading showing people) are not stored: a
missing bucket reads as an empty space, exactly as the raw timeline at zero does.

Going back, ``timeline_of`` turns stored buckets into a headcount timeline that the utilization
arithmetic (booking.utilization.day_figures) reads like raw readings: each bucket's occupied
seconds at its peak count, from the bucket's start. Over windows on the 5-minute grid (local days,
bookings at :00/:05/.../:55) it gives the same occupied minutes, booked-and-used minutes and peak
as the raw readings did; a booking edge inside a bucket sees that bucket's occupancy as if it came
first in the bucket. While a day's raw readings are still kept, the buckets holding such an edge
are read raw and spliced into the rolled timeline (``raw_patches``, ``splice``): exact again.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from booking.utilization import Reading, SensorSample, segments

BUCKET = timedelta(minutes=5)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Bucket:
    """One space's occupancy over [start, start + BUCKET)."""

    space_id: int
    start: datetime
    occupied_seconds: float
    peak_count: int
    mean_count: float
    present: bool  # a reading in the bucket showed people


def floor(at: datetime) -> datetime:
    """The start of the bucket holding ``at``."""
    return at - (at.astimezone(UTC) - _EPOCH) % BUCKET


def shows_people(sample: SensorSample) -> bool:
    """The one test of "this reading saw someone" (presence_between asks it of raw readings)."""
    return bool(sample.present) or (sample.count or 0) > 0 or (sample.entered or 0) > 0


def buckets(
    space_id: int, timeline: Sequence[Reading], samples: Iterable[SensorSample], start: datetime, end: datetime
) -> list[Bucket]:
    """The non-empty buckets of [start, end) (both on the grid) from a space's headcount timeline
    (which includes the reading the range opens with) and the raw samples behind it."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    width = BUCKET.total_seconds()
    occupied: dict[datetime, float] = {}
    weighted: dict[datetime, float] = {}
    peak: dict[datetime, int] = {}
    for a, b, count in segments(timeline, end):
        a, b = max(a.astimezone(UTC), start), min(b.astimezone(UTC), end)
        if a >= b or count <= 0:
            continue
        at = floor(a)
        while at < b:
            seconds = (min(b, at + BUCKET) - max(a, at)).total_seconds()
            if seconds > 0:
                occupied[at] = occupied.get(at, 0.0) + seconds
                weighted[at] = weighted.get(at, 0.0) + seconds * count
                peak[at] = max(peak.get(at, 0), count)
            at += BUCKET
    seen = {floor(s.at.astimezone(UTC)) for s in samples if start <= s.at < end and shows_people(s)}
    return [
        Bucket(space_id, at, occupied.get(at, 0.0), peak.get(at, 0), weighted.get(at, 0.0) / width, at in seen)
        for at in sorted(set(occupied) | seen)
    ]


def timeline_of(stored: Iterable[Bucket]) -> list[Reading]:
    """A headcount timeline with the same occupied seconds and peaks per bucket (see the docstring)."""
    out: list[Reading] = []
    for bucket in sorted(stored, key=lambda b: b.start):
        start = bucket.start.astimezone(UTC)
        if out and out[-1].at > start:
            raise ValueError("buckets overlap")
        if out and out[-1].at == start:
            out.pop()  # the previous bucket's "empty from here" is this bucket's start
        seconds = min(bucket.occupied_seconds, BUCKET.total_seconds())
        if seconds > 0:
            out.append(Reading(start, bucket.peak_count))
            out.append(Reading(start + timedelta(seconds=seconds), 0))
        else:
            out.append(Reading(start, 0))
    return out


def presence_in(stored: Iterable[Bucket], start: datetime, end: datetime) -> bool:
    """Whether a bucket overlapping [start, end) had a reading showing people."""
    return any(b.present and b.start < end and b.start + BUCKET > start for b in stored)


# --- the compact tier: one row per space and UTC day ---------------------------------------

DAY = timedelta(days=1)
PER_DAY = int(DAY / BUCKET)  # 288


@dataclass(frozen=True)
class DayOfBuckets:
    """One space's stored buckets of one UTC day as columns, the day's start in ``starts_at``.

    ``numbers`` says which bucket of the day (0 is 00:00 UTC) each entry is; the other columns
    hold that bucket's fields unchanged, so packing and unpacking give back the very same buckets
    (floats are kept as 8-byte floats). A row per day instead of one per bucket: a day of a room
    used seven hours is 84 rows of ~90 bytes with their index entries, against one row of ~2 kB
    that PostgreSQL also compresses.
    """

    space_id: int
    starts_at: datetime
    numbers: list[int]
    occupied_seconds: list[float]
    peak_counts: list[int]
    mean_counts: list[float]
    present: list[bool]


def day_of(at: datetime) -> datetime:
    """The start of the UTC day holding ``at`` (the buckets' grid meets it: 288 per day)."""
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


def pack(space_id: int, starts_at: datetime, stored: Iterable[Bucket]) -> DayOfBuckets:
    """The buckets of one space and UTC day as one compact row."""
    starts_at = starts_at.astimezone(UTC)
    if starts_at != day_of(starts_at):
        raise ValueError("a compact row starts at midnight UTC")
    found = sorted(stored, key=lambda b: b.start)
    numbers = []
    for bucket in found:
        if bucket.space_id != space_id or not starts_at <= bucket.start < starts_at + DAY:
            raise ValueError("a bucket outside the row's space and day")
        numbers.append(int((bucket.start.astimezone(UTC) - starts_at) // BUCKET))
    if len(set(numbers)) != len(numbers):
        raise ValueError("buckets overlap")
    return DayOfBuckets(space_id, starts_at, numbers, [b.occupied_seconds for b in found],
                        [b.peak_count for b in found], [b.mean_count for b in found],
                        [b.present for b in found])  # fmt: skip


def unpack(row: DayOfBuckets) -> list[Bucket]:
    """The buckets a compact row holds, in time order."""
    columns = (row.numbers, row.occupied_seconds, row.peak_counts, row.mean_counts, row.present)
    if len({len(c) for c in columns}) != 1:
        raise ValueError("a compact row's columns differ in length")
    start = row.starts_at.astimezone(UTC)
    return [Bucket(row.space_id, start + n * BUCKET, occupied, peak, mean, bool(present))
            for n, occupied, peak, mean, present in zip(*columns, strict=True)]  # fmt: skip


# --- exact figures where an edge falls inside a bucket --------------------------------------


def on_grid(at: datetime) -> bool:
    return floor(at) == at


@dataclass(frozen=True)
class RawPatch:
    """Raw readings of one space read over [read_from, until), put in the rolled timeline's place
    over each of ``spans`` (the buckets holding an edge off the grid, touching ones joined)."""

    read_from: datetime
    until: datetime
    spans: tuple[tuple[datetime, datetime], ...]


def _occupied(stored: Iterable[Bucket]) -> set[datetime]:
    return {b.start.astimezone(UTC) for b in stored if b.occupied_seconds > 0}


def _run_start(occupied: set[datetime], at: datetime, lookback: timedelta) -> datetime:
    start = at
    while start - BUCKET in occupied and start - BUCKET >= at - lookback:
        start -= BUCKET
    return start


def opening_run(stored: Iterable[Bucket], at: datetime, lookback: timedelta) -> datetime:
    """Where raw readings must be read from for the state at ``at`` (on the grid): the start of the
    occupied run of buckets that ends there (before it nobody was there), ``lookback`` at most."""
    return _run_start(_occupied(stored), at.astimezone(UTC), lookback)


def raw_patches(
    stored: Iterable[Bucket], edges: Iterable[datetime], since: datetime, until: datetime, lookback: timedelta
) -> list[RawPatch]:
    """Where a space's rolled timeline over [since, until) (on the grid) must give way to its raw
    readings for the figures of windows with these edges to be exact: each bucket holding an
    edge off the grid, its raw readings read from the start of the occupied run it is part of.

    Before the run the space was empty (a bucket with no occupied second: every sensor saw nobody),
    so the raw readings from there give the very state the bucket opens with, without an earlier
    reading. A run is followed back at most ``lookback``: a day opens with the readings of the day
    before it, as the rollups themselves were made.
    """
    occupied = _occupied(stored)
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    holding = sorted({floor(e.astimezone(UTC)) for e in edges if not on_grid(e)})
    found: list[RawPatch] = []
    for at in (b for b in holding if since <= b < until):
        read_from = _run_start(occupied, at, lookback)
        span = (at, at + BUCKET)
        last = found[-1] if found else None
        if last is None or read_from > last.until:
            found.append(RawPatch(read_from, at + BUCKET, (span,)))
        elif last.spans[-1][1] == at:  # the bucket after the last one: one span
            found[-1] = RawPatch(last.read_from, at + BUCKET, last.spans[:-1] + ((last.spans[-1][0], at + BUCKET),))
        else:
            found[-1] = RawPatch(last.read_from, at + BUCKET, last.spans + (span,))
    return found


def splice(rolled: Sequence[Reading], patches: Iterable[tuple[RawPatch, Sequence[Reading]]]) -> list[Reading]:
    """The rolled timeline with each patch's raw timeline in its place over the patch's spans:
    from a span's start the raw state (its last raw reading by then, else nobody), from its end
    the rolled state again."""
    rolled = sorted(rolled, key=lambda r: r.at)
    times = [r.at for r in rolled]
    out: list[Reading] = []
    done = 0  # rolled readings before this index are placed (or replaced)
    for patch, raw in sorted(patches, key=lambda p: p[0].read_from):
        raw = sorted(raw, key=lambda r: r.at)
        raw_times = [r.at for r in raw]
        for start, end in patch.spans:
            out += rolled[done : bisect_left(times, start)]
            opened = bisect_right(raw_times, start)
            out.append(Reading(start, raw[opened - 1].count if opened else 0))
            out += raw[opened : bisect_left(raw_times, end)]
            done = bisect_right(times, end)
            out.append(Reading(end, rolled[done - 1].count if done else 0))
    return out + rolled[done:]
