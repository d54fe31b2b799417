"""Raw readings become 5-minute rollups as they age, then go (ONEXP_READINGS_KEEP_DAYS); the
rollups move to a row per space and day after ONEXP_ROLLUPS_COMPACT_AFTER_DAYS, and go after
ONEXP_ROLLUPS_KEEP_DAYS, or never.

Both jobs work a bounded piece at a time, each piece one transaction: a rolled-up day is its
buckets replaced and the horizon moved past it together, so a crash leaves the day either
rolled or not (rerunning redoes it: same readings, same rows); a compacted day likewise moves
whole or not at all (its day rows written, its bucket rows deleted and the compaction horizon
moved past it in one transaction); a deletion batch is a few
thousand rows, so ingest never waits long. Readers take the rollups before ``rolled_until`` and
the raw readings after it (and, where still kept, for the buckets a booking edge cuts off the
5-minute grid); ``raw_from`` never passes ``rolled_until``, so no figure is ever read twice or not
at all, and rollups are kept at least as long as the raw readings.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, insert, select

from booking import partitioning, rollups
from booking.extensions import db
from booking.infra import progress
from booking.models import OccupancyRollup, OccupancyRollupDay, ReadingsHorizon, Space
from booking.services import history
from booking.services.batches import DELETE_BATCH, in_batches
from booking.services.unit_of_work import unit_of_work
from booking.services.utilization import LOOKBACK, changes, samples_between
from booking.store import partitions
from booking.store import retention as store
from booking.utilization import space_timeline

DAY = timedelta(days=1)
# A reading arrives at most a day late (the ingest worker refuses older ones: sensors' MAX_AGE) and
# at most 5 minutes early (MAX_CLOCK_SKEW); a day is rolled up once nothing more can arrive for it.
SETTLED_AFTER = timedelta(hours=24, minutes=10)
# raw readings kept at least this long, whatever the setting: late arrivals, plus a day's opening reading
MIN_KEEP_DAYS = 3
SPACES_PER_QUERY = 50


def _midnight(at: datetime) -> datetime:
    return datetime.combine(at.astimezone(UTC).date(), time(0), UTC)


def _horizon() -> ReadingsHorizon:
    row = history.horizon()
    if row is None:
        row = ReadingsHorizon(id=history.HORIZON_ID)
        db.session.add(row)
    return row


def roll_up(now: datetime, *, max_days: int = 31) -> dict:
    """Roll up the settled days not rolled up yet, oldest first, at most ``max_days`` per run."""
    with unit_of_work():  # reads only: ended before the first day's
        space_ids = list(db.session.scalars(select(Space.id).order_by(Space.id)))
        row = history.horizon()
        start = row.rolled_until if row is not None and row.rolled_until is not None else None
        if start is None:
            oldest = store.oldest_reading(space_ids)
            if oldest is None:
                return {"days": 0}
            start = _midnight(oldest)
    settled = _midnight(now - SETTLED_AFTER)
    days = min(max((settled - start) // DAY, 0), max_days)
    stored = 0
    for i in range(days):
        stored += roll_up_day(start + i * DAY, space_ids)
        progress.advance(total=days)
    return {"days": days, "buckets": stored, "rolled_until": (start + days * DAY).isoformat()}


def roll_up_day(day: datetime, space_ids: list[int]) -> int:
    """One UTC day's buckets for every space, replacing any stored, and the horizon past it: one unit.

    The buckets are all computed (reads only) before the first write, so the write transaction is
    a delete and an insert: on SQLite, whose one writer is also the ingest worker's, the lock is
    held for those statements, not for the seconds the arithmetic takes.
    """
    end = day + DAY
    made: list[rollups.Bucket] = []
    # reads in a unit of their own: on SQLite a read transaction that later writes fails when
    # ingest committed in between, and the write below should start fresh and stay short
    with unit_of_work():
        for first in range(0, len(space_ids), SPACES_PER_QUERY):
            for space_id, samples in samples_between(space_ids[first : first + SPACES_PER_QUERY], day, end).items():
                made += rollups.buckets(space_id, changes(space_timeline(samples)), samples, day, end)
    table = OccupancyRollup.__table__
    with unit_of_work():
        db.session.execute(delete(table).where(table.c.starts_at >= day, table.c.starts_at < end))
        if made:
            db.session.execute(insert(table), [
                {"space_id": b.space_id, "starts_at": b.start, "occupied_seconds": b.occupied_seconds,
                 "peak_count": b.peak_count, "mean_count": b.mean_count, "present": b.present}
                for b in made
            ])  # fmt: skip
        row = _horizon()
        row.rolled_until = max(row.rolled_until or end, end)
    return len(made)


def compact(now: datetime, *, max_days: int = 31) -> dict:
    """Move the rolled-up days older than ONEXP_ROLLUPS_COMPACT_AFTER_DAYS to the compact tier,
    oldest first, a day per transaction, at most ``max_days`` per run."""
    after = current_app.config["ROLLUPS_COMPACT_AFTER_DAYS"]
    with unit_of_work():  # reads only
        row = history.horizon()
        rolled = row.rolled_until if row is not None else None
        if rolled is None:
            return {"days": 0}
        start = row.compacted_until
        if start is None:
            oldest = store.oldest_bucket(list(db.session.scalars(select(Space.id))))
            if oldest is None:
                return {"days": 0}
            start = rollups.day_of(oldest)
    until = min(_midnight(now) - after * DAY, rolled)
    days = min(max((until - start) // DAY, 0), max_days)
    moved = 0
    for i in range(days):
        moved += compact_day(start + i * DAY)
        progress.advance(total=days)
    return {"days": days, "space_days": moved, "compacted_until": (start + days * DAY).isoformat()}


def compact_day(day: datetime) -> int:
    """One UTC day's buckets, every space's, into a row per space: written, their bucket rows
    deleted and the horizon moved past the day in one transaction (rerun after a crash: the same)."""
    end = day + DAY
    fine = OccupancyRollup.__table__
    # reads first, in their own unit (see roll_up_day): nothing writes a day once it is rolled up
    # but this job, so the rows read are the rows deleted below
    with unit_of_work():
        found = history.stored_buckets(list(db.session.scalars(select(Space.id))), day, end)
    made = [rollups.pack(space_id, day, buckets) for space_id, buckets in sorted(found.items()) if buckets]
    days = OccupancyRollupDay.__table__
    with unit_of_work():
        db.session.execute(delete(days).where(days.c.starts_at == day))
        if made:
            db.session.execute(insert(days), [
                {"space_id": d.space_id, "starts_at": d.starts_at, "numbers": d.numbers,
                 "occupied_seconds": d.occupied_seconds, "peak_counts": d.peak_counts,
                 "mean_counts": d.mean_counts, "present": d.present}
                for d in made
            ])  # fmt: skip
        db.session.execute(delete(fine).where(fine.c.starts_at >= day, fine.c.starts_at < end))
        row = _horizon()
        row.compacted_until = max(row.compacted_until or end, end)
    return len(made)


def prune(now: datetime, *, batch: int = DELETE_BATCH) -> dict:
    """Move the raw readings' horizon up to the retention limit (never past what is rolled up),
    then delete what it leaves behind, and the rollups past theirs, a batch per transaction."""
    keep = max(current_app.config["READINGS_KEEP_DAYS"], MIN_KEEP_DAYS)
    with unit_of_work():
        row = history.horizon()
        rolled = row.rolled_until if row is not None else None
        moved = False
        if rolled is not None:
            target = min(_midnight(now) - keep * DAY, rolled)
            if row.raw_from is None or target > row.raw_from:
                row.raw_from = target
                moved = True
        raw_from = row.raw_from if row is not None else None
        partitioned = partitions.is_partitioned()
    result: dict = {"raw_from": raw_from.isoformat() if raw_from else None, "moved": moved}
    readings = 0
    if raw_from is not None:
        # readers still take a day's opening reading from before the horizon
        cutoff = raw_from - LOOKBACK
        if partitioned:
            result["partitions_dropped"], readings = _drop_partitions(cutoff)
        # what no dropped partition held (SQLite's whole table; PostgreSQL's default partition)
        readings += in_batches(lambda: store.delete_readings_before(cutoff, batch))
    result["readings_deleted"] = readings
    keep_rollups = current_app.config.get("ROLLUPS_KEEP_DAYS")
    if keep_rollups:
        # never fewer days than the raw readings: history reads the rollups of every day rolled up
        # (booking.services.utilization), so a rolled day without its rollups would read as empty
        cutoff = _midnight(now) - max(keep_rollups, keep) * DAY
        result["rollups_deleted"] = in_batches(lambda: store.delete_rollups_before(cutoff, batch))
        result["rollup_days_deleted"] = in_batches(lambda: store.delete_rollup_days_before(cutoff, batch))
    return result


def _drop_partitions(cutoff: datetime) -> tuple[int, int]:
    dropped = readings = 0
    with unit_of_work():
        aged = sorted((lo, name) for name, (lo, hi) in partitions.ranges().items()
                      if partitioning.droppable([(lo, hi)], cutoff))  # fmt: skip
    for _lo, name in aged:
        try:
            with unit_of_work():
                gone = partitions.drop(name)
        except partitions.Busy:  # the next run drops it
            break
        dropped, readings = dropped + 1, readings + gone
        progress.advance(gone)
    return dropped, readings


def keep_partitions(now: datetime) -> dict:
    """PostgreSQL: the raw readings' daily partitions for the week ahead (booking.partitioning)."""
    with unit_of_work():
        if not partitions.is_partitioned():  # SQLite: one plain table, nothing to create
            return {"created": [], "busy": 0}
        missing = partitioning.missing_days(list(partitions.ranges().values()), now)
    created, busy = [], 0
    for lo, hi in missing:
        try:
            with unit_of_work():
                partitions.create(lo, hi)
            created.append(partitioning.name_of(lo, hi))
        except partitions.Busy:  # the next run creates it
            busy += 1
    return {"created": created, "busy": busy}
