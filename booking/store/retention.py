"""The retention SQL: deleting aged readings and rollups a bounded batch at a time.

Each batch is its own short transaction, so the ingest worker (SQLite's one writer, or
PostgreSQL's row locks) never waits behind a long delete: it slips in between two batches.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from booking.extensions import db
from booking.models import OccupancyReading, OccupancyRollup, OccupancyRollupDay

READINGS = OccupancyReading.__table__
ROLLUPS = OccupancyRollup.__table__
ROLLUP_DAYS = OccupancyRollupDay.__table__


def delete_readings_before(cutoff: datetime, limit: int) -> int:
    """Delete at most ``limit`` raw readings observed before ``cutoff``; returns how many went."""
    # the oldest rows have the lowest ids, so the scan finds its batch at the table's start
    batch = select(READINGS.c.id).where(READINGS.c.observed_at < cutoff).limit(limit).scalar_subquery()
    return db.session.execute(delete(READINGS).where(READINGS.c.id.in_(batch))).rowcount


def delete_rollups_before(cutoff: datetime, limit: int) -> int:
    """Delete at most ``limit`` buckets starting before ``cutoff`` (oldest first, by its index)."""
    return _delete_oldest(ROLLUPS, cutoff, limit)


def delete_rollup_days_before(cutoff: datetime, limit: int) -> int:
    """Delete at most ``limit`` compact rows (space and day) of days starting before ``cutoff``."""
    return _delete_oldest(ROLLUP_DAYS, cutoff, limit)


def _delete_oldest(table, cutoff: datetime, limit: int) -> int:
    """One batch of a rollup tier's oldest rows, found by their ``starts_at`` index."""
    oldest = select(table.c.space_id, table.c.starts_at).where(table.c.starts_at < cutoff)
    rows = db.session.execute(oldest.order_by(table.c.starts_at).limit(limit)).all()
    if not rows:
        return 0
    last = rows[-1].starts_at
    # everything up to the batch's last start: a few more rows at most, never a scan of the table
    where = (table.c.starts_at < cutoff) & (table.c.starts_at <= last)
    return db.session.execute(delete(table).where(where)).rowcount


def oldest_bucket(space_ids: list[int]) -> datetime | None:
    """The oldest bucket still stored a row per bucket: one primary-key probe per space."""
    found = [
        db.session.scalar(select(func.min(ROLLUPS.c.starts_at)).where(ROLLUPS.c.space_id == space_id))
        for space_id in space_ids
    ]
    return min((at for at in found if at is not None), default=None)


def oldest_reading(space_ids: list[int]) -> datetime | None:
    """The oldest stored reading: one index probe per space (no index leads with the time alone)."""
    found = [
        db.session.scalar(select(func.min(READINGS.c.observed_at)).where(READINGS.c.space_id == space_id))
        for space_id in space_ids
    ]
    return min((at for at in found if at is not None), default=None)
