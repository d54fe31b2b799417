"""Readings age into 5-minute rollups, then go: history reads the same figures before and after.

A scripted day is recorded through the ingest path, rolled up and pruned by the jobs' own use
cases, and utilization, booked-versus-actual and presence are asked again; the hand-computed
figures are those of tests/booking/test_utilization.py's scripted day.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from clock import PARIS, paris
from scripted_day import record, scripted
from sqlalchemy import func, select

from booking import rollups
from booking.extensions import db
from booking.models import OccupancyReading, OccupancyRollup
from booking.services import bookings, history, readings, retention, sensors, utilization
from booking.services.bookings import BookingRequest
from booking.utilization import Reading, SensorSample, day_figures

HOURS = {day: "08:00-20:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
NOW = datetime.combine(datetime.now(UTC).date(), time(12), UTC)
RAW_FROM = datetime.combine(NOW.date(), time(0), UTC) - timedelta(days=30)  # ONEXP_READINGS_KEEP_DAYS
PRUNED_DAY = (RAW_FROM - timedelta(days=3)).date()  # its readings go
RAW_DAY = (RAW_FROM + timedelta(days=2)).date()  # its readings stay


@pytest.fixture
def lab(make_space):
    space = make_space("lab", opening_hours=HOURS)
    sensor = sensors.add_sensor("lab-counter", site="la-coque", space="lab")
    return space, sensor.id


def book(user, day, start_hour, end_hour):
    request = BookingRequest("la-coque", "lab", paris(day, start_hour), paris(day, end_hour), "T", 4)
    return bookings.book(user, request, now=paris(day, 7))


def lab_rows(staff, start, end):
    return [r for r in utilization.report(staff, start, end, now=NOW) if r["space"] == "la-coque/lab"]


def age(now=NOW) -> None:
    """What the scheduler's two jobs do over the days: roll up everything settled, then prune."""
    while retention.roll_up(now)["days"]:
        pass
    retention.prune(now)


def raw_count(day) -> int:
    start, end = paris(day, 0), paris(day + timedelta(days=1), 0)
    table = OccupancyReading.__table__
    return db.session.scalar(select(func.count()).where(table.c.observed_at >= start, table.c.observed_at < end))


# --- the pure rules ------------------------------------------------------------------------


def test_buckets_give_back_the_days_figures_on_the_grid():
    day = PRUNED_DAY
    timeline = [Reading(at, n) for at, n in scripted(day)]
    samples = [SensorSample(1, at, count=n) for at, n in scripted(day)]
    start, end = paris(day, 0), paris(day + timedelta(days=1), 0)
    made = rollups.buckets(7, timeline, samples, start.astimezone(UTC), end.astimezone(UTC))
    assert sum(b.occupied_seconds for b in made) == 130 * 60
    assert max(b.peak_count for b in made) == 12
    booking = [utilization.BookedSpan(paris(day, 9), paris(day, 11), "confirmed", 1)]
    common = dict(day_start=start, day_end=end, opening=[], bookings=booking, now=NOW)
    for within in (False, True):
        assert day_figures(readings=rollups.timeline_of(made), within_bookings=within, **common) == day_figures(
            readings=timeline, within_bookings=within, **common
        )


def test_a_bucket_straddled_by_a_change_keeps_its_seconds_and_peak():
    at = datetime(2026, 3, 2, 9, 2, 30, tzinfo=UTC)
    timeline = [Reading(at, 4), Reading(at + timedelta(minutes=1), 1), Reading(at + timedelta(minutes=2), 0)]
    made = rollups.buckets(1, timeline, [], at.replace(minute=0, second=0), at.replace(minute=10, second=0))
    assert [(b.start.minute, b.occupied_seconds, b.peak_count, b.mean_count) for b in made] == [(0, 120.0, 4, 1.0)]


# --- through the database ------------------------------------------------------------------


def test_a_scripted_day_reads_the_same_before_and_after_its_readings_are_pruned(lab, customer, staff):
    space, sensor = lab
    book(customer, PRUNED_DAY, 9, 11)
    record(sensor, scripted(PRUNED_DAY))
    before = lab_rows(staff, PRUNED_DAY, PRUNED_DAY)
    assert (before[0]["occupied_minutes"], before[0]["booked_used_minutes"], before[0]["peak_count"]) == (130, 90, 12)
    company_before = utilization.report(customer, PRUNED_DAY, PRUNED_DAY, now=NOW)

    age()

    assert raw_count(PRUNED_DAY) == 0
    assert history.raw_from() == RAW_FROM
    assert lab_rows(staff, PRUNED_DAY, PRUNED_DAY) == before
    assert utilization.report(customer, PRUNED_DAY, PRUNED_DAY, now=NOW) == company_before


def test_a_range_across_the_horizon_adds_pruned_and_raw_days_by_hand(lab, staff):
    _space, sensor = lab
    record(sensor, scripted(PRUNED_DAY))
    # the night the horizon falls in: 4 people from 23:00 (Paris) until 02:00, then 2 until 02:30
    night = RAW_FROM.astimezone(PARIS).date() - timedelta(days=1)
    record(sensor, [(paris(night, 23), 4), (paris(night + timedelta(days=1), 2), 2),
                    (paris(night + timedelta(days=1), 2, 30), 0)])  # fmt: skip
    record(sensor, [(paris(RAW_DAY, 14), 2), (paris(RAW_DAY, 14, 45), 0)])

    age()

    assert raw_count(PRUNED_DAY) == 0 and raw_count(RAW_DAY) == 2
    rows = {r["day"]: r for r in lab_rows(staff, PRUNED_DAY, RAW_DAY)}
    occupied = {day: row["occupied_minutes"] for day, row in rows.items() if row["occupied_minutes"]}
    assert occupied == {
        PRUNED_DAY.isoformat(): 130,
        night.isoformat(): 60,  # 23:00-24:00, from the rollups
        (night + timedelta(days=1)).isoformat(): 150,  # 00:00-02:30 across the horizon (01:00 in Paris)
        RAW_DAY.isoformat(): 45,  # from the raw readings
    }
    assert rows[(night + timedelta(days=1)).isoformat()]["peak_count"] == 4


def test_presence_in_a_pruned_window_comes_from_the_rollups(lab):
    space, sensor = lab
    record(sensor, scripted(PRUNED_DAY))
    age()
    assert readings.presence_between(space.id, paris(PRUNED_DAY, 9), paris(PRUNED_DAY, 9, 45))
    assert not readings.presence_between(space.id, paris(PRUNED_DAY, 10, 35), paris(PRUNED_DAY, 11, 55))
    assert not readings.presence_between(space.id, paris(PRUNED_DAY, 13), paris(RAW_DAY, 13))


def test_rolling_a_day_again_gives_the_same_rows(lab):
    space, sensor = lab
    record(sensor, scripted(RAW_DAY))
    while retention.roll_up(NOW)["days"]:
        pass
    rows = lambda: db.session.execute(select(OccupancyRollup.__table__).order_by("starts_at")).all()  # noqa: E731
    first = rows()
    assert sum(r.occupied_seconds for r in first) == 130 * 60
    retention.roll_up_day(datetime.combine(RAW_DAY, time(0), UTC), [space.id])
    assert rows() == first


def test_a_crash_in_the_middle_of_a_day_leaves_it_unrolled_and_the_rerun_finishes(lab, make_space, monkeypatch):
    _space, sensor = lab
    make_space("lab-two", opening_hours=HOURS)
    other = sensors.add_sensor("lab-two-counter", site="la-coque", space="lab-two").id
    record(sensor, scripted(PRUNED_DAY))
    record(other, scripted(PRUNED_DAY))
    real = retention.rollups.buckets
    calls = []

    def killed_at_the_second_space(*args):
        calls.append(args[0])
        if len(calls) == 2:
            raise RuntimeError("killed")
        return real(*args)

    monkeypatch.setattr(retention.rollups, "buckets", killed_at_the_second_space)
    with pytest.raises(RuntimeError):
        retention.roll_up(NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OccupancyRollup)) == 0  # the first space's too
    assert history.horizon() is None or history.horizon().rolled_until is None
    monkeypatch.setattr(retention.rollups, "buckets", real)
    age()
    assert sum(r.occupied_seconds for r in db.session.scalars(select(OccupancyRollup))) == 2 * 130 * 60


def test_pruning_under_concurrent_ingest_loses_nothing_kept_and_counts_nothing_twice(app, lab, staff):
    import threading

    from booking.store import readings as store

    space, sensor = lab
    start = paris(PRUNED_DAY, 8)
    # 1,800 readings 10 s apart, 08:00-13:00: 5 people from 09:00 to 11:00, nobody otherwise
    old = [store.Row(sensor, space.id, start + timedelta(seconds=10 * i), 5 if 360 <= i < 1080 else 0)
           for i in range(1800)]  # fmt: skip
    store.insert_readings(old)
    db.session.commit()
    before = lab_rows(staff, PRUNED_DAY, PRUNED_DAY)
    assert before[0]["occupied_minutes"] == 120
    while retention.roll_up(NOW)["days"]:
        pass

    written, done, failures = [], threading.Event(), []

    def ingest():
        with app.app_context():
            try:
                i = 0
                while not done.is_set() or i < 20:
                    at = NOW - timedelta(hours=1) + timedelta(seconds=i)
                    readings.record_readings(readings.Batch(readings=[readings.SensorReading(sensor, at, at, count=1)]),
                                             now=at)  # fmt: skip
                    written.append(at)
                    i += 1
            except Exception as exc:  # the assertion below reports it
                failures.append(exc)
            finally:
                db.session.remove()

    worker = threading.Thread(target=ingest)
    worker.start()
    try:
        result = retention.prune(NOW, batch=100)  # 18 batches, ingest in between
    finally:
        done.set()
        worker.join(timeout=60)
    assert not failures
    assert result["readings_deleted"] == 1800
    table = OccupancyReading.__table__
    kept = db.session.scalars(select(table.c.observed_at).where(table.c.observed_at >= RAW_FROM)).all()
    assert sorted(kept) == sorted(written)
    assert lab_rows(staff, PRUNED_DAY, PRUNED_DAY) == before


def test_a_day_is_rolled_up_only_once_nothing_more_can_arrive_for_it():
    from sensors.formats.reading import MAX_AGE, MAX_CLOCK_SKEW

    assert retention.SETTLED_AFTER >= MAX_AGE + MAX_CLOCK_SKEW


def test_rollups_past_their_keep_days_go_and_their_days_read_empty(app, lab, staff):
    _space, sensor = lab
    record(sensor, scripted(PRUNED_DAY))
    record(sensor, scripted(RAW_DAY))
    app.config["ROLLUPS_KEEP_DAYS"] = (NOW.date() - PRUNED_DAY).days - 1
    age()
    rows = {r["day"]: r["occupied_minutes"] for r in lab_rows(staff, PRUNED_DAY, RAW_DAY) if r["occupied_minutes"]}
    assert rows == {RAW_DAY.isoformat(): 130}
    assert db.session.scalar(select(func.min(OccupancyRollup.starts_at))) >= datetime.combine(RAW_DAY, time(0), UTC)


def test_rollups_are_kept_at_least_as_long_as_the_raw_readings(app, lab, staff):
    _space, sensor = lab
    record(sensor, scripted(RAW_DAY))
    app.config["ROLLUPS_KEEP_DAYS"] = 5  # fewer days than ONEXP_READINGS_KEEP_DAYS (30)
    age()
    assert raw_count(RAW_DAY) > 0
    rows = {r["day"]: r["occupied_minutes"] for r in lab_rows(staff, RAW_DAY, RAW_DAY)}
    assert rows == {RAW_DAY.isoformat(): 130}
    assert db.session.scalar(select(func.count()).select_from(OccupancyRollup)) > 0


def test_dropping_repeated_counts_changes_no_figure():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    day = PRUNED_DAY
    start, end = paris(day, 0), paris(day + timedelta(days=1), 0)
    # readings minutes apart (some at the same minute), counts from a few values so repeats abound
    readings_of = st.lists(st.tuples(st.integers(-120, 24 * 60 + 60), st.integers(0, 3)), max_size=40)
    spans = st.lists(st.tuples(st.integers(0, 24 * 60), st.integers(1, 300)), max_size=3)

    @settings(max_examples=200, deadline=None)
    @given(readings_of, spans, st.integers(0, 26 * 60))
    def check(made, booked, now_minute):
        timeline = [Reading(start + timedelta(minutes=m), n) for m, n in made]
        bookings = [utilization.BookedSpan(start + timedelta(minutes=a), start + timedelta(minutes=a + d),
                                           "confirmed", 1) for a, d in booked]  # fmt: skip
        common = dict(day_start=start, day_end=end, opening=[], bookings=bookings,
                      now=start + timedelta(minutes=now_minute))  # fmt: skip
        for within in (False, True):
            assert day_figures(readings=utilization.changes(timeline), within_bookings=within, **common) == (
                day_figures(readings=sorted(timeline, key=lambda r: r.at), within_bookings=within, **common)
            )

    check()
