"""PostgreSQL partitions the raw readings by day: the week ahead exists, dropping old readings is
dropping their tables, and the migration converts a table holding readings without losing one.
SQLite keeps its plain table (pruned by batched deletes: tests/booking/test_rollups.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select, text

from booking import partitioning
from booking.extensions import db
from booking.models import OccupancyReading
from booking.services import retention, sensors
from booking.store import partitions
from booking.store import readings as store

NOW = datetime.combine(datetime.now(UTC).date(), time(12), UTC)
MIDNIGHT = partitioning.midnight(NOW.date())


# --- the pure plan --------------------------------------------------------------------------


def test_a_converted_table_gets_months_of_old_history_then_days_until_a_week_ahead():
    plan = partitioning.conversion_plan(datetime(2024, 2, 17, 9, tzinfo=UTC), datetime(2026, 12, 2, 6, tzinfo=UTC))
    assert plan[0] == (datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))
    months = [r for r in plan if r[1] - r[0] > timedelta(days=1)]
    days = [r for r in plan if r[1] - r[0] == timedelta(days=1)]
    assert months[-2] == (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert months[-1] == (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))  # cut short
    assert days[0][0] == datetime(2026, 11, 30, tzinfo=UTC)  # two days back
    assert days[-1][1] == datetime(2026, 12, 9, tzinfo=UTC)  # a week ahead
    assert all(a[1] == b[0] for a, b in zip(plan, plan[1:], strict=False))  # no gap, no overlap


def test_only_uncovered_days_are_created_and_only_wholly_aged_ranges_dropped():
    day = lambda n: partitioning.midnight(NOW.date() + timedelta(days=n))  # noqa: E731
    existing = [(day(-40), day(-1)), (day(0), day(2))]
    assert partitioning.missing_days(existing, NOW) == [(day(n), day(n + 1)) for n in range(2, 7)]
    assert partitioning.droppable(existing + [(day(-1), day(0))], day(-1)) == [(day(-40), day(-1))]


# --- on the database ------------------------------------------------------------------------


def readings_at(times) -> None:
    sensor = sensors.add_sensor("part-counter", site="la-coque", space="showroom")
    store.insert_readings([store.Row(sensor.id, sensor.space_id, at, 1) for at in times])
    db.session.commit()


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(OccupancyReading))


def test_the_week_ahead_gets_its_partitions_and_strays_in_the_default_move_in(app, backend):
    if backend == "sqlite":
        assert not partitions.is_partitioned()
        assert retention.keep_partitions(NOW) == {"created": [], "busy": 0}
        return
    for name, (lo, _hi) in partitions.ranges().items():  # an earlier run's upkeep: start without them
        if lo >= MIDNIGHT:
            db.session.execute(text(f"DROP TABLE {name}"))
    db.session.commit()
    stray = MIDNIGHT + timedelta(days=3, hours=10)
    readings_at([stray])  # no partition for its day yet: the default one holds it
    result = retention.keep_partitions(NOW)
    assert result["created"] == [f"occupancy_readings_{MIDNIGHT + timedelta(days=n):%Y%m%d}" for n in range(7)]
    assert stored() == 1
    holder = db.session.execute(text("SELECT tableoid::regclass::text FROM occupancy_readings")).scalar()
    assert holder == f"occupancy_readings_{stray:%Y%m%d}"
    assert retention.keep_partitions(NOW)["created"] == []


def test_pruning_drops_whole_partitions_and_keeps_every_reading_inside_retention(app, backend):
    day = timedelta(days=1)
    kept_from = MIDNIGHT - 30 * day - retention.LOOKBACK  # the horizon, and the day before it
    times = [kept_from - 3 * day + timedelta(hours=h) for h in range(0, 72, 6)]  # aged out
    times += [kept_from + timedelta(hours=h) for h in range(0, 24 * 31, 6)]  # within retention
    if backend == "postgresql":  # the aged days have tables of their own, whatever earlier tests dropped
        for n in range(3, 0, -1):
            lo = kept_from - n * day
            if not any(a <= lo < b for a, b in partitions.ranges().values()):
                partitions.create(lo, lo + day)
                db.session.commit()
    readings_at(times)
    while retention.roll_up(NOW)["days"]:
        pass
    result = retention.prune(NOW)
    assert result["readings_deleted"] == 12
    kept = db.session.scalars(select(OccupancyReading.observed_at).order_by(OccupancyReading.observed_at)).all()
    assert kept == sorted(t for t in times if t >= kept_from)
    if backend == "postgresql":
        assert result["partitions_dropped"] >= 3  # the three aged days went as tables
        assert all(hi > kept_from for _lo, hi in partitions.ranges().values())


def test_the_migration_converts_a_table_holding_readings_and_keeps_every_one(postgres_server):
    from flask_migrate import downgrade, upgrade

    from booking import create_app
    from booking.services import catalog

    url = postgres_server.create_database("onexp_partition_upgrade")
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        # the venues and a sensor are written by today's models (so at head), then the schema is
        # taken back to the plain table that a database of that age holds
        upgrade()
        catalog.seed_sites(app.config["SITES_FILE"])
        added = sensors.add_sensor("old-counter", site="la-coque", space="showroom")
        sensor = store.Row(added.id, added.space_id, NOW)  # its ids, kept past the session
        db.session.commit()
        db.session.remove()
        downgrade(revision="a1f0c3d5e7b9")  # the plain table
        assert not partitions.is_partitioned()
        # two years of history every few hours, and readings a month ahead (a sensor's clock)
        first = MIDNIGHT - timedelta(days=730)
        times = [first + timedelta(hours=7 * i) for i in range(0, 760 * 24 // 7)]
        store.insert_readings([store.Row(sensor.sensor, sensor.space, at, i % 9) for i, at in enumerate(times)])
        db.session.commit()
        before = db.session.execute(text("SELECT * FROM occupancy_readings ORDER BY id")).all()
        db.session.remove()

        upgrade()

        assert partitions.is_partitioned()
        assert db.session.execute(text("SELECT * FROM occupancy_readings ORDER BY id")).all() == before
        spread = db.session.execute(
            text("SELECT count(DISTINCT tableoid) FROM occupancy_readings WHERE observed_at < :ahead"),
            {"ahead": MIDNIGHT + timedelta(days=7)},
        ).scalar()
        assert spread >= 24 + 5  # months of history, then days
        # the id sequence carries on, and a duplicate is still absorbed
        again = store.insert_readings([store.Row(sensor.sensor, sensor.space, times[-1], 1),
                                       store.Row(sensor.sensor, sensor.space, NOW, 1)])  # fmt: skip
        db.session.commit()
        assert again == 1
        assert db.session.scalar(select(func.max(OccupancyReading.id))) > before[-1].id
        db.session.remove()
        db.engine.dispose()
    postgres_server.drop_database("onexp_partition_upgrade")
