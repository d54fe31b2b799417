"""Old rollups move to a row per space and day: the same buckets, so the same figures.

A scripted day is read from its raw readings, from its 5-minute rollups and from the compact
tier (occupancy_rollup_days) and gives the same utilization each time; a range across the
three tiers adds up to the hand-computed figures; the move is a day per transaction, so a crash
leaves a day wholly in one tier and the rerun finishes without counting anything twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from clock import PARIS, paris
from scripted_day import record, scripted
from sqlalchemy import func, select

from booking import jobs, rollups
from booking.extensions import db
from booking.models import OccupancyReading, OccupancyRollup, OccupancyRollupDay
from booking.services import bookings, history, readings, retention, sensors, utilization
from booking.services.bookings import BookingRequest

HOURS = {day: "08:00-20:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
NOW = datetime.combine(datetime.now(UTC).date(), time(12), UTC)
MIDNIGHT = datetime.combine(NOW.date(), time(0), UTC)
RAW_FROM = MIDNIGHT - timedelta(days=30)  # ONEXP_READINGS_KEEP_DAYS
COMPACTED_UNTIL = MIDNIGHT - timedelta(days=40)  # ONEXP_ROLLUPS_COMPACT_AFTER_DAYS, set to 40 below
COMPACT_DAY = (COMPACTED_UNTIL - timedelta(days=3)).date()  # a row per space and day
FINE_DAY = (RAW_FROM - timedelta(days=3)).date()  # a row per 5-minute bucket
RAW_DAY = (RAW_FROM + timedelta(days=2)).date()  # raw readings
DAY = timedelta(days=1)


@pytest.fixture
def lab(app, make_space):
    app.config["ROLLUPS_COMPACT_AFTER_DAYS"] = 40
    space = make_space("lab", opening_hours=HOURS)
    sensor = sensors.add_sensor("lab-counter", site="la-coque", space="lab")
    return space, sensor.id


def lab_rows(staff, start, end):
    return [r for r in utilization.report(staff, start, end, now=NOW) if r["space"] == "la-coque/lab"]


def roll_and_prune(now=NOW) -> None:
    while retention.roll_up(now)["days"]:
        pass
    retention.prune(now)


def compact(now=NOW) -> None:
    while retention.compact(now)["days"]:
        pass


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def fine_rows(day) -> int:
    start = datetime.combine(day, time(0), UTC)
    at = OccupancyRollup.starts_at
    return db.session.scalar(select(func.count()).where(at >= start - timedelta(hours=2), at < start + DAY))


# --- the pure rules ------------------------------------------------------------------------


def test_packing_a_day_and_unpacking_it_gives_back_the_very_same_buckets():
    day = datetime(2026, 3, 2, tzinfo=UTC)
    made = [rollups.Bucket(7, day + timedelta(minutes=5 * n), 300.0 - n / 3, n % 5, (n % 5) * 0.7, n % 2 == 0)
            for n in (0, 1, 2, 100, 287)]  # fmt: skip
    packed = rollups.pack(7, day, reversed(made))
    assert packed.numbers == [0, 1, 2, 100, 287]
    assert rollups.unpack(packed) == made


def test_a_compact_row_holds_one_space_and_one_utc_day_only():
    day = datetime(2026, 3, 2, tzinfo=UTC)
    with pytest.raises(ValueError):
        rollups.pack(7, day + timedelta(hours=1), [])
    with pytest.raises(ValueError):
        rollups.pack(7, day, [rollups.Bucket(7, day + timedelta(days=1), 1.0, 1, 0.1, True)])
    with pytest.raises(ValueError):
        rollups.pack(7, day, [rollups.Bucket(8, day, 1.0, 1, 0.1, True)])


# --- through the database ------------------------------------------------------------------


def test_a_scripted_day_gives_the_same_figures_from_raw_readings_rollups_and_compact_days(lab, customer, staff):
    space, sensor = lab
    request = BookingRequest("la-coque", "lab", paris(COMPACT_DAY, 9), paris(COMPACT_DAY, 11), "T", 4)
    bookings.book(customer, request, now=paris(COMPACT_DAY, 7))
    record(sensor, scripted(COMPACT_DAY))
    raw = lab_rows(staff, COMPACT_DAY, COMPACT_DAY)
    assert (raw[0]["occupied_minutes"], raw[0]["booked_used_minutes"], raw[0]["peak_count"]) == (130, 90, 12)
    company_raw = utilization.report(customer, COMPACT_DAY, COMPACT_DAY, now=NOW)

    roll_and_prune()
    assert db.session.scalar(select(func.count()).select_from(OccupancyReading)) == 0
    assert count(OccupancyRollup) > 0 and count(OccupancyRollupDay) == 0
    assert lab_rows(staff, COMPACT_DAY, COMPACT_DAY) == raw

    compact()
    assert count(OccupancyRollup) == 0 and count(OccupancyRollupDay) >= 1
    assert history.horizon().compacted_until == COMPACTED_UNTIL
    assert lab_rows(staff, COMPACT_DAY, COMPACT_DAY) == raw
    assert utilization.report(customer, COMPACT_DAY, COMPACT_DAY, now=NOW) == company_raw
    assert readings.presence_between(space.id, paris(COMPACT_DAY, 9), paris(COMPACT_DAY, 9, 45))
    assert not readings.presence_between(space.id, paris(COMPACT_DAY, 10, 35), paris(COMPACT_DAY, 11, 55))


def test_a_range_across_the_three_tiers_adds_up_to_the_hand_computed_figures(lab, staff):
    _space, sensor = lab
    record(sensor, scripted(COMPACT_DAY))
    # the night the compaction horizon falls in: 4 people from 23:00 (Paris) until 02:00, then 2
    # until 02:30 (00:30 UTC): the evening is in a compact row, the small hours in 5-minute rows
    night = COMPACTED_UNTIL.astimezone(PARIS).date() - timedelta(days=1)
    record(sensor, [(paris(night, 23), 4), (paris(night + timedelta(days=1), 2), 2),
                    (paris(night + timedelta(days=1), 2, 30), 0)])  # fmt: skip
    record(sensor, scripted(FINE_DAY))
    record(sensor, [(paris(RAW_DAY, 14), 2), (paris(RAW_DAY, 14, 45), 0)])

    roll_and_prune()
    compact()

    assert fine_rows(COMPACT_DAY) == 0 and fine_rows(FINE_DAY) > 0
    rows = {r["day"]: r for r in lab_rows(staff, COMPACT_DAY, RAW_DAY)}
    occupied = {day: row["occupied_minutes"] for day, row in rows.items() if row["occupied_minutes"]}
    assert occupied == {
        COMPACT_DAY.isoformat(): 130,  # compact rows
        night.isoformat(): 60,  # 23:00-24:00: a compact row
        (night + timedelta(days=1)).isoformat(): 150,  # 00:00-02:30, across the compaction horizon
        FINE_DAY.isoformat(): 130,  # 5-minute rows
        RAW_DAY.isoformat(): 45,  # raw readings
    }
    assert rows[(night + timedelta(days=1)).isoformat()]["peak_count"] == 4


def test_compacting_again_changes_nothing(lab, staff):
    _space, sensor = lab
    record(sensor, scripted(COMPACT_DAY))
    roll_and_prune()
    compact()
    stored = lambda: db.session.execute(select(OccupancyRollupDay.__table__)).all()  # noqa: E731
    first = stored()
    assert retention.compact(NOW) == {"days": 0, "space_days": 0, "compacted_until": COMPACTED_UNTIL.isoformat()}
    retention.compact_day(datetime.combine(COMPACT_DAY, time(0), UTC))  # by hand, a compacted day again
    assert stored() == first
    assert [r["occupied_minutes"] for r in lab_rows(staff, COMPACT_DAY, COMPACT_DAY)] == [130]


def test_a_crash_in_the_middle_of_a_day_leaves_it_in_five_minute_rows_and_the_rerun_finishes(
    lab, make_space, staff, monkeypatch
):
    _space, sensor = lab
    make_space("lab-two", opening_hours=HOURS)
    other = sensors.add_sensor("lab-two-counter", site="la-coque", space="lab-two").id
    record(sensor, scripted(COMPACT_DAY))
    record(other, scripted(COMPACT_DAY))
    roll_and_prune()
    before = count(OccupancyRollup)
    real = retention._horizon

    def killed_before_the_horizon_moves():
        raise RuntimeError("killed")  # the day rows are written and the bucket rows deleted by now

    monkeypatch.setattr(retention, "_horizon", killed_before_the_horizon_moves)
    with pytest.raises(RuntimeError):
        retention.compact(NOW)
    db.session.rollback()
    assert count(OccupancyRollupDay) == 0 and count(OccupancyRollup) == before
    assert history.horizon().compacted_until is None
    monkeypatch.setattr(retention, "_horizon", real)
    compact()
    assert count(OccupancyRollup) == 0 and count(OccupancyRollupDay) == 2  # a row per space for the day
    two = [r for r in utilization.report(staff, COMPACT_DAY, COMPACT_DAY, now=NOW) if r["space"] == "la-coque/lab-two"]
    assert [r["occupied_minutes"] for r in two] == [130]
    assert [r["occupied_minutes"] for r in lab_rows(staff, COMPACT_DAY, COMPACT_DAY)] == [130]


def test_only_rolled_up_days_past_the_setting_are_compacted_a_bounded_number_per_run(lab):
    _space, sensor = lab
    record(sensor, scripted(COMPACT_DAY))
    record(sensor, scripted(FINE_DAY))
    roll_and_prune()
    first = retention.compact(NOW, max_days=1)
    assert first["days"] == 1  # the oldest day only
    while retention.compact(NOW, max_days=1)["days"]:
        pass
    assert history.horizon().compacted_until == COMPACTED_UNTIL
    assert fine_rows(FINE_DAY) > 0


def test_rollups_past_their_keep_days_go_from_both_tiers(app, lab, staff):
    _space, sensor = lab
    record(sensor, scripted(COMPACT_DAY))
    record(sensor, scripted(FINE_DAY))
    roll_and_prune()
    compact()
    assert count(OccupancyRollupDay) > 0
    app.config["ROLLUPS_KEEP_DAYS"] = (NOW.date() - COMPACT_DAY).days - 1
    result = retention.prune(NOW)
    assert result["rollup_days_deleted"] >= 1
    assert count(OccupancyRollupDay) == 0
    rows = {r["day"]: r["occupied_minutes"] for r in lab_rows(staff, COMPACT_DAY, FINE_DAY) if r["occupied_minutes"]}
    assert rows == {FINE_DAY.isoformat(): 130}


def test_the_scheduler_runs_the_compaction(lab):
    _space, sensor = lab
    record(sensor, scripted(COMPACT_DAY))
    roll_and_prune()
    assert "compact_rollups" in [job.id for job in jobs.JOBS]
    while jobs.compact_rollups(NOW)["days"]:
        pass
    assert count(OccupancyRollup) == 0 and count(OccupancyRollupDay) == 1


def test_the_migration_upgrades_a_database_holding_rollups_and_its_downgrade_gives_the_days_back(postgres_server):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from booking import create_app
    from booking.services import catalog

    url = postgres_server.create_database("onexp_rollup_days_upgrade")
    app = create_app({"DATABASE_URL": url, "TESTING": True, "ROLLUPS_COMPACT_AFTER_DAYS": 40})
    with app.app_context():
        upgrade()
        catalog.seed_sites(app.config["SITES_FILE"])
        sensor = sensors.add_sensor("old-counter", site="la-coque", space="showroom").id
        db.session.commit()
        record(sensor, scripted(COMPACT_DAY))
        record(sensor, scripted(FINE_DAY))
        roll_and_prune()
        buckets = db.session.execute(text("SELECT * FROM occupancy_rollups ORDER BY starts_at")).all()
        db.session.remove()
        downgrade(revision="1e30decd15f4")  # a database from before the compact tier, holding rollups

        upgrade()
        assert db.session.execute(text("SELECT * FROM occupancy_rollups ORDER BY starts_at")).all() == buckets
        compact()
        assert count(OccupancyRollupDay) == 1 and count(OccupancyRollup) < len(buckets)
        db.session.remove()

        downgrade(revision="1e30decd15f4")  # the compact days become 5-minute rows again
        assert db.session.execute(text("SELECT * FROM occupancy_rollups ORDER BY starts_at")).all() == buckets
        db.session.remove()
