"""Utilization reads the rollups for every rolled-up day, raw readings only where they add something.

A month inside raw retention used to read every raw reading of the month. The days before
``rolled_until`` now come from their 5-minute buckets, the days after it (not settled yet) from the
raw readings; where a booking starts or ends inside a bucket and raw readings are still kept, that
bucket is read raw and spliced in, so the figures are exactly the raw readings'. The scripted days
and their hand-computed figures are those of tests/booking/test_utilization.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from clock import paris
from scripted_day import record, scripted

from booking import rollups
from booking.services import bookings, history, retention, sensors, utilization
from booking.services.bookings import BookingRequest
from booking.utilization import BookedSpan, Figures, Reading, SensorSample, day_figures, space_timeline

HOURS = {day: "08:00-20:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
NOW = datetime.combine(datetime.now(UTC).date(), time(12), UTC)
MIDNIGHT = datetime.combine(NOW.date(), time(0), UTC)
RAW_FROM = MIDNIGHT - timedelta(days=30)  # ONEXP_READINGS_KEEP_DAYS
ROLLED_UNTIL = MIDNIGHT - timedelta(days=1)  # the last settled day (retention.SETTLED_AFTER)
PRUNED_DAY = (RAW_FROM - timedelta(days=3)).date()  # rollups only
ROLLED_DAY = (RAW_FROM + timedelta(days=10)).date()  # rolled up, its raw readings kept
OTHER_ROLLED_DAY = (RAW_FROM + timedelta(days=12)).date()
TAIL_DAY = (ROLLED_UNTIL + timedelta(hours=12)).date()  # not rolled up yet: raw readings
# 9 people for a minute, empty, 4 from 09:08 to 10:31; two more people 14:00-14:45
OFF_GRID_SCRIPT = [(9, 5, 9), (9, 6, 0), (9, 8, 4), (10, 31, 0), (14, 0, 2), (14, 45, 0)]
DAY = timedelta(days=1)


@pytest.fixture
def lab(make_space):
    make_space("lab", opening_hours=HOURS)
    return sensors.add_sensor("lab-counter", site="la-coque", space="lab").id


def book(user, day, start, end):
    request = BookingRequest("la-coque", "lab", paris(day, *start), paris(day, *end), "T", 4)
    return bookings.book(user, request, now=paris(day, 7))


def lab_rows(actor, start, end):
    return {r["day"]: r for r in utilization.report(actor, start, end, now=NOW) if r.get("space") == "la-coque/lab"}


def age() -> None:
    """What the scheduler's jobs do over the days: roll up everything settled, then prune."""
    while retention.roll_up(NOW)["days"]:
        pass
    retention.prune(NOW)


@pytest.fixture
def raw_read(monkeypatch):
    """Every raw reading history reads, and the statements it takes to read them."""
    seen = {"samples": [], "statements": 0}
    real = utilization._samples

    def counted(where):
        found = real(where)
        seen["statements"] += 1
        seen["samples"] += [s.at for samples in found.values() for s in samples]
        return found

    monkeypatch.setattr(utilization, "_samples", counted)
    return seen


def off_grid_script(day):
    return [(paris(day, hh, mm), n) for hh, mm, n in OFF_GRID_SCRIPT]


# --- the pure rules ------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def at(hh, mm=0, ss=0):
    return T0 + timedelta(hours=hh, minutes=mm, seconds=ss)


def bucket(hh, mm, occupied=300.0, peak=2):
    return rollups.Bucket(1, at(hh, mm), occupied, peak, peak * occupied / 300, True)


def test_edges_on_the_grid_need_no_raw_readings():
    stored = [bucket(9, 0), bucket(9, 5)]
    assert rollups.raw_patches(stored, [at(9), at(9, 5), at(10)], at(0), at(24), DAY) == []


def test_an_edge_after_an_empty_bucket_reads_its_own_bucket_only():
    stored = [bucket(9, 5, occupied=120.0)]
    assert rollups.raw_patches(stored, [at(9, 7)], at(0), at(24), DAY) == [
        rollups.RawPatch(at(9, 5), at(9, 10), ((at(9, 5), at(9, 10)),))
    ]


def test_an_edge_inside_an_occupied_run_reads_back_to_the_runs_start():
    stored = [bucket(8, 50), bucket(8, 55), bucket(9, 0), bucket(9, 5), bucket(9, 20)]
    assert rollups.raw_patches(stored, [at(9, 7, 30)], at(0), at(24), DAY) == [
        rollups.RawPatch(at(8, 50), at(9, 10), ((at(9, 5), at(9, 10)),))
    ]


def test_a_run_is_followed_back_one_lookback_at_most():
    stored = [bucket(h, m) for h in range(0, 10) for m in range(0, 60, 5)]
    (patch,) = rollups.raw_patches(stored, [at(9, 7)], at(0), at(24), timedelta(hours=1))
    assert patch.read_from == at(8, 5)


def test_edges_whose_reads_overlap_share_one_read_and_touching_buckets_one_span():
    stored = [bucket(9, 0), bucket(9, 5), bucket(9, 10), bucket(9, 15)]
    assert rollups.raw_patches(stored, [at(9, 7), at(9, 12), at(9, 17)], at(0), at(24), DAY) == [
        rollups.RawPatch(at(9), at(9, 20), ((at(9, 5), at(9, 20)),))
    ]


def test_edges_outside_the_raw_part_are_left_to_the_rollups():
    stored = [bucket(9, 5)]
    assert rollups.raw_patches(stored, [at(9, 7)], at(10), at(24), DAY) == []
    assert rollups.raw_patches(stored, [at(9, 7)], at(0), at(9), DAY) == []


def test_the_state_at_a_bucket_start_is_read_from_the_start_of_the_occupied_run_before_it():
    stored = [bucket(23, 40), bucket(23, 45, occupied=0.0), bucket(23, 50), bucket(23, 55)]
    assert rollups.opening_run(stored, at(24), DAY) == at(23, 50)
    assert rollups.opening_run(stored, at(23, 50), DAY) == at(23, 50)  # after nobody: from there
    assert rollups.opening_run(stored, at(24), timedelta(minutes=5)) == at(23, 55)


def test_splicing_the_edge_buckets_gives_the_raw_figures_exactly():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    start, end = T0, T0 + DAY
    # readings seconds apart around the morning, counts from a few values; bookings off the grid
    readings_of = st.lists(st.tuples(st.integers(8 * 3600, 11 * 3600), st.integers(0, 4)), max_size=30)
    spans = st.lists(st.tuples(st.integers(8 * 60, 11 * 60), st.integers(1, 120)), min_size=1, max_size=3)

    @settings(max_examples=200, deadline=None)
    @given(readings_of, spans)
    def check(made, booked):
        samples = [SensorSample(1, start + timedelta(seconds=s), count=n) for s, n in made]
        raw = utilization.changes(space_timeline(samples))
        stored = rollups.buckets(1, raw, samples, start, end)
        spans = [BookedSpan(start + timedelta(minutes=a), start + timedelta(minutes=a + d), "confirmed", 1)
                 for a, d in booked]  # fmt: skip
        edges = [t for span in spans for t in (span.start, span.end)]
        pieces = []
        for patch in rollups.raw_patches(stored, edges, start, end, DAY):
            read = [s for s in samples if patch.read_from <= s.at < patch.until]
            pieces.append((patch, utilization.changes(space_timeline(read))))
        spliced = utilization.changes(rollups.splice(rollups.timeline_of(stored), pieces))
        common = dict(day_start=start, day_end=end, opening=[], bookings=spans, now=end + DAY)
        for within in (False, True):
            assert day_figures(readings=spliced, within_bookings=within, **common) == day_figures(
                readings=raw, within_bookings=within, **common
            )

    check()


def test_a_span_opens_with_the_raw_state_and_closes_with_the_rolled_one():
    rolled = [Reading(at(9), 5), Reading(at(9, 3), 0), Reading(at(9, 10), 1)]
    patch = rollups.RawPatch(at(8, 50), at(9, 5), ((at(9), at(9, 5)),))
    raw = [Reading(at(8, 55), 2), Reading(at(9, 2), 0)]
    assert rollups.splice(rolled, [(patch, raw)]) == [
        Reading(at(9), 2), Reading(at(9, 2), 0), Reading(at(9, 5), 0), Reading(at(9, 10), 1)
    ]  # fmt: skip


# --- through the database ------------------------------------------------------------------


def test_the_horizons_are_where_the_jobs_leave_them(lab):
    record(lab, scripted(PRUNED_DAY))
    age()
    assert history.bounds() == (ROLLED_UNTIL, RAW_FROM)


def test_a_range_over_pruned_rolled_and_unrolled_days_adds_up_by_hand(lab, customer, staff, raw_read):
    for day in (PRUNED_DAY, ROLLED_DAY, TAIL_DAY):
        book(customer, day, (9, 0), (11, 0))
        record(lab, scripted(day))
    age()
    raw_read["samples"].clear()

    rows = lab_rows(staff, PRUNED_DAY, TAIL_DAY)

    used = {day: (r["occupied_minutes"], r["booked_used_minutes"], r["peak_count"])
            for day, r in rows.items() if r["occupied_minutes"]}  # fmt: skip
    # 08:50-10:30 and 12:00-12:30, 09:00-10:30 of it booked, 12 people at most: every day alike
    assert used == {PRUNED_DAY.isoformat(): (130, 90, 12), ROLLED_DAY.isoformat(): (130, 90, 12),
                    TAIL_DAY.isoformat(): (130, 90, 12)}  # fmt: skip
    # the rolled-up days' raw readings are kept but not read: only the unrolled tail's (the night
    # before it was empty, so it needs no earlier reading to open with)
    assert raw_read["samples"] and min(raw_read["samples"]) >= ROLLED_UNTIL


def test_a_room_occupied_across_the_rolled_horizon_reads_back_to_the_start_of_its_run(lab, staff, raw_read):
    # after Paris midnight (in summer and winter): 1 person for 10 minutes, nobody, then 4 people
    # from half an hour before the horizon (midnight UTC) to half an hour after it
    minutes = lambda m: ROLLED_UNTIL + timedelta(minutes=m)  # noqa: E731
    record(lab, [(minutes(-50), 1), (minutes(-40), 0), (minutes(-30), 4), (minutes(30), 0)])
    age()
    raw_read["samples"].clear()

    rows = lab_rows(staff, TAIL_DAY - timedelta(days=1), TAIL_DAY)

    occupied = {day: (r["occupied_minutes"], r["peak_count"]) for day, r in rows.items() if r["occupied_minutes"]}
    assert occupied == {TAIL_DAY.isoformat(): (10 + 60, 4)}
    assert min(raw_read["samples"]) == minutes(-30)  # not the readings before that run


def test_an_off_grid_booking_over_rolled_days_gives_the_raw_figures(lab, customer, staff):
    book(customer, ROLLED_DAY, (9, 7), (10, 33))
    record(lab, off_grid_script(ROLLED_DAY))
    raw_only = lab_rows(staff, ROLLED_DAY, ROLLED_DAY), utilization.report(customer, ROLLED_DAY, ROLLED_DAY, now=NOW)
    age()
    assert history.bounds()[0] > paris(ROLLED_DAY + DAY, 0)

    (staff_row,) = lab_rows(staff, ROLLED_DAY, ROLLED_DAY).values()
    company_rows = utilization.report(customer, ROLLED_DAY, ROLLED_DAY, now=NOW)

    assert (staff_row, company_rows) == (raw_only[0][ROLLED_DAY.isoformat()], raw_only[1])
    # by hand: occupied 09:05-09:06, 09:08-10:31 and 14:00-14:45; booked 09:07-10:33, used 09:08-10:31
    assert (staff_row["occupied_minutes"], staff_row["booked_minutes"], staff_row["booked_used_minutes"],
            staff_row["peak_count"]) == (1 + 83 + 45, 86, 83, 9)  # fmt: skip
    # the company sees only its booking: the 9 people of 09:05 came before it
    (company,) = (r for r in company_rows if r["space"] == "la-coque/lab")
    assert (company["occupied_minutes"], company["peak_count"]) == (83, 4)


def test_a_month_reads_raw_only_for_the_unrolled_tail_and_the_edge_buckets(lab, customer, staff, raw_read):
    book(customer, ROLLED_DAY, (9, 7), (10, 33))
    book(customer, OTHER_ROLLED_DAY, (9, 0), (11, 0))  # on the grid: the rollups are exact
    for day in (ROLLED_DAY, OTHER_ROLLED_DAY):
        record(lab, off_grid_script(day))
    record(lab, scripted(TAIL_DAY))
    age()
    raw_read.update(samples=[], statements=0)

    rows = lab_rows(staff, TAIL_DAY - timedelta(days=27), TAIL_DAY)

    assert rows[ROLLED_DAY.isoformat()]["booked_used_minutes"] == 83
    assert rows[OTHER_ROLLED_DAY.isoformat()]["booked_used_minutes"] == 1 + 83  # 09:05-09:06 too
    rolled = [t for t in raw_read["samples"] if t < ROLLED_UNTIL]
    # the occupied run 09:05-10:35 that holds both edges, read once; not its afternoon, not the other day
    assert sorted(rolled) == [paris(ROLLED_DAY, hh, mm) for hh, mm, _n in OFF_GRID_SCRIPT[:4]]
    assert raw_read["statements"] == 1  # the edge buckets and the tail together


def test_an_off_grid_booking_before_the_raw_horizon_reads_the_rollups_alone(lab, customer, staff, raw_read):
    book(customer, PRUNED_DAY, (9, 7), (10, 33))
    record(lab, off_grid_script(PRUNED_DAY))
    age()
    raw_read["samples"].clear()
    (row,) = lab_rows(staff, PRUNED_DAY, PRUNED_DAY).values()
    # the bucket of 09:05 held 3 occupied minutes (09:05-09:06, 09:08-09:10), seen from its start
    assert row["booked_used_minutes"] == 1 + 80 + 1
    assert raw_read["samples"] == []


def test_a_companys_day_without_its_bookings_counts_only_the_bookable_minutes():
    start = T0
    figures = day_figures(
        day_start=start, day_end=start + DAY, opening=[(at(8), at(20))], now=start + 2 * DAY,
        bookings=[BookedSpan(at(9) + DAY, at(11) + DAY, "released", 1)],  # the next day's
        readings=[Reading(at(9), 6), Reading(at(10), 0)], within_bookings=True,
    )  # fmt: skip
    assert figures == Figures(12 * 60, 0, 0, 0, 0, 0)
