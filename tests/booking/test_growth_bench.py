"""The growth bench (bench/growth.py) ages its history as the service's own jobs do: its past days
of raw readings have partitions of their own, so pruning drops them as in production, and the
rolled-up history it copies back in time is, row for row and tier for tier, what roll-up and
compaction store for the same readings moved back. On PostgreSQL only, like the bench."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, text

from bench import growth, venues
from booking import partitioning
from booking.extensions import db
from booking.models import BookingEvent, Space
from booking.services import retention, sensors
from booking.services.unit_of_work import unit_of_work
from booking.store import partitions

DAY = timedelta(days=1)
NOW = datetime.combine(datetime.now(UTC).date(), time(12), UTC)
MIDNIGHT = partitioning.midnight(NOW.date())


@pytest.fixture
def app_settings(tmp_path) -> dict:
    return {"SITES_FILE": str(venues.write_sites_file(tmp_path / "sites.toml"))}  # the bench's venues


@pytest.fixture
def bench_database(app, backend):
    """The test database with the bench's venues and two counters; the partitions the test makes
    are dropped after it (each table more is TRUNCATE time for every later test)."""
    if backend != "postgresql":
        pytest.skip("the growth bench runs on PostgreSQL")
    before = set(partitions.ranges())
    sensors.add_sensor("growth-counter-1", site="la-coque", space="room-01")
    sensors.add_sensor("growth-counter-2", site="la-coque", space="room-02")
    db.session.commit()
    yield app
    db.session.rollback()
    for name in set(partitions.ranges()) - before:
        db.session.execute(text(f"DROP TABLE {name}"))
    db.session.commit()


def in_default_partition() -> int:
    found = db.session.execute(text(f"SELECT count(*) FROM {partitions.DEFAULT}")).scalar()
    db.session.commit()  # the jobs run in sessions of their own: hold no lock they would wait for
    return found


FINE = "SELECT space_id, starts_at, occupied_seconds, peak_count, mean_count, present FROM occupancy_rollups"
COMPACT = (
    "SELECT space_id, starts_at, numbers, occupied_seconds, peak_counts, mean_counts, present "
    "FROM occupancy_rollup_days"
)
WITHIN = " WHERE starts_at >= :a AND starts_at < :b ORDER BY space_id, starts_at"


def stored_rows(first: datetime, until: datetime) -> tuple[list, list]:
    """Both rollup tiers' rows of [first, until), as stored."""
    bounds = {"a": first, "b": until}
    return (db.session.execute(text(FINE + WITHIN), bounds).all(),
            db.session.execute(text(COMPACT + WITHIN), bounds).all())  # fmt: skip


def trail(booking_id: int) -> list[tuple]:
    """A booking's audit trail as its shape: each event's action, statuses, whether a person did it
    and the detail's fields."""
    events = db.session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking_id)
                                .order_by(BookingEvent.id))  # fmt: skip
    return [(e.action, e.from_status, e.to_status, e.actor_id is not None, sorted(e.detail)) for e in events]


def test_the_benchs_bookings_carry_the_audit_trail_the_app_writes(bench_database, client, auth, customer, monday):
    start = datetime.combine(monday, time(9), UTC)
    body = {"site": "la-coque", "space": "room-01", "title": "Kick-off", "attendees": 4,
            "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}  # fmt: skip
    booked = client.post("/api/v1/bookings", json=body, headers=auth(customer)).json["id"]
    assert client.post(f"/api/v1/bookings/{booked}/cancel", json={}, headers=auth(customer)).status_code == 200

    made = growth.copy_bookings(bench_database, monday + 7 * DAY, monday + 7 * DAY, 1.0, random.Random(5))
    statuses = dict(db.session.execute(text("SELECT id, status FROM bookings WHERE id > :b"), {"b": booked}).all())
    assert len(statuses) == made
    cancelled = min(i for i, status in statuses.items() if status == "cancelled")
    assert trail(cancelled) == trail(booked)  # created, then cancelled by the booker
    assert all(trail(i)[0][0] == "create" for i in statuses)


def test_the_benchs_past_days_have_partitions_that_pruning_drops(bench_database):
    first = MIDNIGHT - 34 * DAY
    growth.make_partitions(bench_database, first, NOW)
    made = growth.copy_readings(bench_database, first, 3, 3600)

    assert made == 2 * 3 * 24
    assert in_default_partition() == 0
    jobs = growth.age_with_the_jobs(bench_database, NOW)
    assert jobs["partitions_dropped"] == 3  # retention keeps 30 days and the one before: the three went whole
    assert jobs["readings_deleted"] == made
    assert db.session.execute(text("SELECT count(*) FROM occupancy_readings")).scalar() == 0
    fine, compact = stored_rows(first, first + 3 * DAY)  # their buckets, moved to a row per space and day
    assert fine == [] and len(compact) == 2 * 3


def test_the_benchs_old_history_is_what_the_jobs_make_of_the_same_readings_moved_back(bench_database):
    bench_database.config["ROLLUPS_COMPACT_AFTER_DAYS"] = 42
    growth.make_partitions(bench_database, MIDNIGHT - 5 * DAY, NOW)
    growth.copy_readings(bench_database, MIDNIGHT - 5 * DAY, 5, 300)
    growth.age_with_the_jobs(bench_database, NOW)  # rolls up the days before yesterday
    # a template of the last two rolled-up days, copied 40 days back: a day past compaction, one before
    old, until = MIDNIGHT - 43 * DAY, MIDNIGHT - 41 * DAY
    written = growth.copy_rollups_back(bench_database, MIDNIGHT - DAY, old, until, now=NOW, template_days=2)
    fine, compact = stored_rows(old, until)
    assert written == len(fine) + len(compact)
    assert {row.starts_at for row in compact} == {old}  # the compacted day: a row per space
    assert len(compact) == 2
    assert fine and all(row.starts_at >= old + DAY for row in fine)

    # the same readings, 40 days earlier (with the day before, which each day opens with), in place
    # of the copies
    for table in ("occupancy_rollups", "occupancy_rollup_days"):
        db.session.execute(
            text(f"DELETE FROM {table} WHERE starts_at >= :a AND starts_at < :b"), {"a": old, "b": until}
        )
    with unit_of_work():
        partitions.create_days(MIDNIGHT - 44 * DAY, until)
    db.session.execute(text(
        "INSERT INTO occupancy_readings (sensor_id, space_id, observed_at, count) "
        "SELECT sensor_id, space_id, observed_at - interval '40 days', count FROM occupancy_readings "
        "WHERE observed_at >= :a AND observed_at < :b"), {"a": MIDNIGHT - 4 * DAY, "b": MIDNIGHT - DAY})  # fmt: skip
    db.session.commit()
    spaces = list(db.session.scalars(select(Space.id).order_by(Space.id)))
    for day in (old, old + DAY):  # the jobs' own units, over those days
        retention.roll_up_day(day, spaces)
    retention.compact_day(old)  # past ONEXP_ROLLUPS_COMPACT_AFTER_DAYS

    assert stored_rows(old, until) == (fine, compact)
