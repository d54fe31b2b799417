"""Occupancy history: where the 5-minute rollups end and where raw readings begin, and reading
the rollups back (booking.rollups has the rules; booking.services.retention moves the horizons).

Utilization reads the rollups before ``rolled_until`` and the raw readings after it, and raw
readings inside rolled days only for the buckets it needs exact (booking.services.utilization);
presence for check-in reads raw readings from ``raw_from`` on.

The buckets live in two tiers: a row per bucket (occupancy_rollups) for recent days, a row per
space and day (occupancy_rollup_days) for older ones. The compaction job moves a day from one to
the other in one transaction, and both are read by a single statement (one snapshot): a day is
seen in exactly one of them, never in both or neither, whichever side of a move the read falls.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import null, select, type_coerce, union_all

from booking import rollups
from booking.extensions import db
from booking.models import OccupancyRollup, OccupancyRollupDay, ReadingsHorizon

HORIZON_ID = 1


def horizon() -> ReadingsHorizon | None:
    return db.session.get(ReadingsHorizon, HORIZON_ID)


def raw_from() -> datetime | None:
    """Figures before this time come from the rollups (None: raw readings were never pruned)."""
    return db.session.scalar(select(ReadingsHorizon.raw_from).where(ReadingsHorizon.id == HORIZON_ID))


def bounds() -> tuple[datetime | None, datetime | None]:
    """(rolled_until, raw_from): every bucket before the first is stored; raw readings are kept
    from the second (less a day's lookback), all of them when it is None."""
    row = db.session.execute(
        select(ReadingsHorizon.rolled_until, ReadingsHorizon.raw_from).where(ReadingsHorizon.id == HORIZON_ID)
    ).first()
    return (row.rolled_until, row.raw_from) if row is not None else (None, None)


def stored_buckets(space_ids: list[int], start: datetime, end: datetime) -> dict[int, list[rollups.Bucket]]:
    """The stored buckets of these spaces overlapping [start, end), from either tier."""
    # plain rows, not ORM objects: a site's month is thousands of buckets
    fine, days = OccupancyRollup.__table__, OccupancyRollupDay.__table__
    first = rollups.floor(start)

    def none(column):  # the other tier's column, empty on this side of the UNION
        return type_coerce(null(), column.type).label(column.name)

    compact = select(days.c.space_id, days.c.starts_at, days.c.numbers, days.c.occupied_seconds,
                     days.c.peak_counts, days.c.mean_counts, days.c.present.label("present_list"),
                     none(fine.c.occupied_seconds).label("occupied"), none(fine.c.peak_count),
                     none(fine.c.mean_count), none(fine.c.present)).where(
        days.c.space_id.in_(space_ids), days.c.starts_at >= rollups.day_of(first), days.c.starts_at < end
    )  # fmt: skip
    each = select(fine.c.space_id, fine.c.starts_at, none(days.c.numbers), none(days.c.occupied_seconds),
                  none(days.c.peak_counts), none(days.c.mean_counts), none(days.c.present).label("present_list"),
                  fine.c.occupied_seconds.label("occupied"), fine.c.peak_count, fine.c.mean_count,
                  fine.c.present).where(
        fine.c.space_id.in_(space_ids), fine.c.starts_at >= first, fine.c.starts_at < end
    )  # fmt: skip
    found: dict[int, list[rollups.Bucket]] = defaultdict(list)
    for row in db.session.execute(union_all(compact, each)):
        if row.numbers is None:
            found[row.space_id].append(rollups.Bucket(row.space_id, row.starts_at, row.occupied, row.peak_count,
                                                      row.mean_count, row.present))  # fmt: skip
            continue
        day = rollups.DayOfBuckets(row.space_id, row.starts_at, row.numbers, row.occupied_seconds,
                                   row.peak_counts, row.mean_counts, row.present_list)  # fmt: skip
        found[row.space_id] += [b for b in rollups.unpack(day) if first <= b.start < end]
    return found


def rolled_presence(space_id: int, start: datetime, end: datetime) -> bool:
    """Whether a rolled-up reading of the space in [start, end) showed people."""
    return rollups.presence_in(stored_buckets([space_id], start, end).get(space_id, []), start, end)
