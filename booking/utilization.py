"""Booked versus actual use of a space over one day. Pure arithmetic over intervals."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from booking.rules import Status

Interval = tuple[datetime, datetime]
# statuses that count as "booked": a released booking was booked, then nobody came
BOOKED_STATUSES = (Status.CONFIRMED, Status.RELEASED)


@dataclass(frozen=True)
class BookedSpan:
    start: datetime
    end: datetime
    status: str
    organisation_id: int


@dataclass(frozen=True)
class Reading:
    """What the space's sensors said from ``at`` on, until the next reading."""

    at: datetime
    count: int  # people; a presence-only sensor gives 1 for "someone"


@dataclass(frozen=True)
class SensorSample:
    """One stored sensor reading, as the sensors side keeps it."""

    sensor: int
    at: datetime
    count: int | None = None
    present: bool | None = None
    entered: int | None = None
    exited: int | None = None


@dataclass(frozen=True)
class Figures:
    bookable_minutes: int
    booked_minutes: int
    occupied_minutes: int
    booked_used_minutes: int
    no_shows: int
    peak_count: int


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping or touching intervals joined; sorted."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(a, start), min(b, end)) for a, b in intervals if a < end and b > start]


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    out, others = [], merge(b)
    for a_start, a_end in merge(a):
        out += clip(others, a_start, a_end)
    return out


def minutes(intervals: Iterable[Interval]) -> int:
    """Whole minutes covered (rounded to the nearest), counting overlaps once."""
    return round(sum((end - start).total_seconds() for start, end in merge(intervals)) / 60)


def space_timeline(samples: Iterable[SensorSample]) -> list[Reading]:
    """A space's headcount over time from all its sensors, combined as the live state is.

    The highest counter wins (counters in one room see the same people); a presence
    sensor can only add presence, and alone it gives 1, "someone", never a guessed count.
    Line crossings move their sensor's own running headcount.
    """
    current: dict[int, tuple[int | None, bool]] = {}
    timeline: list[Reading] = []
    for sample in sorted(samples, key=lambda s: (s.at, s.sensor)):
        before = current.get(sample.sensor, (None, False))[0]
        if sample.count is not None:
            current[sample.sensor] = (sample.count, sample.count > 0 if sample.present is None else sample.present)
        elif sample.present is not None:
            current[sample.sensor] = (None, sample.present)
        elif sample.entered is not None or sample.exited is not None:
            headcount = max((before or 0) + (sample.entered or 0) - (sample.exited or 0), 0)
            current[sample.sensor] = (headcount, headcount > 0)
        else:
            continue
        counts = [n for n, _ in current.values() if n is not None]
        people = max(counts, default=0) or (1 if any(p for _, p in current.values()) else 0)
        if timeline and timeline[-1].at == sample.at:
            timeline[-1] = Reading(sample.at, people)
        else:
            timeline.append(Reading(sample.at, people))
    return timeline


def segments(readings: Sequence[Reading], until: datetime) -> list[tuple[datetime, datetime, int]]:
    """The count as a step function: each reading holds until the next one (or ``until``)."""
    ordered = sorted(readings, key=lambda r: r.at)
    out = []
    for i, reading in enumerate(ordered):
        end = ordered[i + 1].at if i + 1 < len(ordered) else until
        if reading.at < end:
            out.append((reading.at, end, reading.count))
    return out


@dataclass(frozen=True)
class DayOfCounts:
    """A space's count over one local day as a step function, worked out once: a day's figures are
    asked for the whole space and again for every company that booked it, and the steps were
    most of the cost each time (a month of a 60-space site: seconds)."""

    day_start: datetime
    day_end: datetime
    steps: list[tuple[datetime, datetime, int]]  # sorted, disjoint
    starts: list[datetime]  # each step's start, to bisect

    def within(self, window: Sequence[Interval]) -> list[tuple[datetime, datetime, int]]:
        """The steps that overlap ``window`` (sorted, disjoint intervals), each once."""
        starts = self.starts
        kept: list[tuple[datetime, datetime, int]] = []
        following = 0  # the steps are sorted and so is the window: never look behind the last kept
        for lo, hi in window:
            i = max(bisect_right(starts, lo) - 1, following)
            while i < len(self.steps) and self.steps[i][0] < hi:
                if self.steps[i][1] > lo:
                    kept.append(self.steps[i])
                    following = i + 1
                i += 1
        return kept


def day_of_counts(*, day_start: datetime, day_end: datetime, readings: Sequence[Reading], now: datetime) -> DayOfCounts:
    """``readings`` should include the last one before ``day_start`` so the day opens in the right
    state; what comes after ``now`` is not known yet."""
    # in UTC: arithmetic on two times sharing a zone is wall-clock time, wrong across DST
    day_start, day_end, now = (t.astimezone(UTC) for t in (day_start, day_end, now))
    observed_until = min(day_end, max(now, day_start))
    steps = segments([r for r in readings if r.at < observed_until], observed_until)
    return DayOfCounts(day_start, day_end, steps, [a for a, _, _ in steps])


def figures_of(
    day: DayOfCounts, *, opening: Sequence[Interval], bookings: Sequence[BookedSpan], within_bookings: bool = False
) -> Figures:
    """One space's figures for one local day; the future counts no use yet. ``within_bookings``
    looks only at the booked time (a company's view of a shared space): occupancy and peak outside
    it are someone else's."""
    day_start, day_end = day.day_start, day.day_end
    opening = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in opening]
    booked = clip(merge((b.start, b.end) for b in bookings if b.status in BOOKED_STATUSES), day_start, day_end)
    bookable = minutes(clip(opening, day_start, day_end))
    no_shows = sum(1 for b in bookings if b.status == Status.RELEASED and day_start <= b.start < day_end)
    if within_bookings and not booked:  # none of the day is this company's: nothing of it to look at
        return Figures(bookable, 0, 0, 0, no_shows, 0)
    window = booked if within_bookings else [(day_start, day_end)]
    steps = day.within(window)
    occupied = intersect(merge((a, b) for a, b, n in steps if n > 0), window)
    return Figures(
        bookable_minutes=bookable,
        booked_minutes=minutes(booked),
        occupied_minutes=minutes(occupied),
        booked_used_minutes=minutes(intersect(booked, occupied)),
        no_shows=no_shows,
        peak_count=max((n for _, _, n in steps), default=0),
    )


def day_figures(
    *, day_start: datetime, day_end: datetime, opening: Sequence[Interval], bookings: Sequence[BookedSpan],
    readings: Sequence[Reading], now: datetime, within_bookings: bool = False,
) -> Figures:  # fmt: skip
    """One space's figures for one local day, [day_start, day_end) (see ``figures_of``)."""
    day = day_of_counts(day_start=day_start, day_end=day_end, readings=readings, now=now)
    return figures_of(day, opening=opening, bookings=bookings, within_bookings=within_bookings)
