"""Occupancy history: where raw readings end and the 5-minute rollups take over, and reading
the rollups back (booking.rollups has the rules; booking.services.retention moves the horizon)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from booking import rollups
from booking.extensions import db
from booking.models import OccupancyRollup, ReadingsHorizon
from booking.utilization import Reading

HORIZON_ID = 1


def horizon() -> ReadingsHorizon | None:
    return db.session.get(ReadingsHorizon, HORIZON_ID)


def raw_from() -> datetime | None:
    """Figures before this time come from the rollups (None: raw readings were never pruned)."""
    return db.session.scalar(select(ReadingsHorizon.raw_from).where(ReadingsHorizon.id == HORIZON_ID))


def stored_buckets(space_ids: list[int], start: datetime, end: datetime) -> dict[int, list[rollups.Bucket]]:
    """The stored buckets of these spaces overlapping [start, end)."""
    table = OccupancyRollup.__table__  # plain rows, not ORM objects: a site's month is thousands of buckets
    query = select(table.c.space_id, table.c.starts_at, table.c.occupied_seconds, table.c.peak_count,
                   table.c.mean_count, table.c.present).where(
        table.c.space_id.in_(space_ids), table.c.starts_at >= rollups.floor(start), table.c.starts_at < end
    )  # fmt: skip
    found: dict[int, list[rollups.Bucket]] = defaultdict(list)
    for row in db.session.execute(query):
        found[row.space_id].append(rollups.Bucket(*row))
    return found


def rolled_timelines(space_ids: list[int], start: datetime, end: datetime) -> dict[int, list[Reading]]:
    """Each space's headcount timeline over [start, end) rebuilt from its rollups."""
    return {space_id: rollups.timeline_of(found) for space_id, found in stored_buckets(space_ids, start, end).items()}


def rolled_presence(space_id: int, start: datetime, end: datetime) -> bool:
    """Whether a rolled-up reading of the space in [start, end) showed people."""
    return rollups.presence_in(stored_buckets([space_id], start, end).get(space_id, []), start, end)
