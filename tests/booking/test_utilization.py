"""Utilization: booked versus actual minutes on a small scripted day, checked against hand sums."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from clock import last_sunday, paris

from booking.services import bookings, checkin, utilization
from booking.services.bookings import BookingRequest
from booking.utilization import BookedSpan, Reading, SensorSample, day_figures, space_timeline

HOURS = {day: "08:00-20:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def scripted_readings(day) -> list[Reading]:
    """The sensors' day: 3 people early, 12 at the meeting, empty, a few unbooked at lunch."""
    return [
        Reading(paris(day, 8, 50), 3),
        Reading(paris(day, 9, 30), 12),
        Reading(paris(day, 10, 30), 0),
        Reading(paris(day, 12, 0), 2),
        Reading(paris(day, 12, 30), 0),
    ]


def test_day_figures_by_hand(monday):
    figures = day_figures(
        day_start=paris(monday, 0),
        day_end=paris(monday + timedelta(days=1), 0),
        opening=[(paris(monday, 8), paris(monday, 20))],
        bookings=[
            BookedSpan(paris(monday, 9), paris(monday, 11), "confirmed", 1),
            BookedSpan(paris(monday, 14), paris(monday, 16), "released", 2),
            BookedSpan(paris(monday, 17), paris(monday, 18), "cancelled", 2),  # not booked any more
        ],
        readings=scripted_readings(monday),
        now=paris(monday, 23),
    )
    assert figures.bookable_minutes == 12 * 60
    assert figures.booked_minutes == 120 + 120  # the no-show was booked all the same
    assert figures.occupied_minutes == 100 + 30  # 08:50-10:30 and 12:00-12:30
    assert figures.booked_used_minutes == 90  # 09:00-10:30
    assert figures.no_shows == 1
    assert figures.peak_count == 12


def test_the_future_has_no_use_yet(monday):
    figures = day_figures(
        day_start=paris(monday, 0), day_end=paris(monday + timedelta(days=1), 0), opening=[],
        bookings=[], readings=scripted_readings(monday), now=paris(monday, 9),
    )  # fmt: skip
    assert (figures.occupied_minutes, figures.peak_count) == (10, 3)  # 08:50-09:00 so far


def test_a_reading_from_the_day_before_carries_over_midnight(monday):
    figures = day_figures(
        day_start=paris(monday, 0), day_end=paris(monday + timedelta(days=1), 0), opening=[], bookings=[],
        readings=[Reading(paris(monday, 0) - timedelta(hours=1), 4), Reading(paris(monday, 1), 0)],
        now=paris(monday, 23),
    )  # fmt: skip
    assert (figures.occupied_minutes, figures.peak_count) == (60, 4)


def test_sensors_combine_into_one_timeline(monday):
    at = lambda mm: paris(monday, 9, mm)  # noqa: E731
    samples = [
        SensorSample(1, at(0), count=4),  # counter A
        SensorSample(2, at(1), count=6),  # counter B sees more: the highest wins
        SensorSample(3, at(2), present=True),  # a PIR adds nothing to a headcount
        SensorSample(2, at(3), count=0),  # B empties, A still sees 4
        SensorSample(1, at(4), count=0),  # both empty, the PIR still sees someone: 1
        SensorSample(3, at(5), present=False),  # nobody at all
        SensorSample(4, at(6), entered=3),  # a line counter: 3 came in
        SensorSample(4, at(7), exited=1),  # 1 left
    ]
    assert [(r.at.minute, r.count) for r in space_timeline(samples)] == [
        (0, 4), (1, 6), (2, 6), (3, 4), (4, 1), (5, 0), (6, 3), (7, 2),
    ]  # fmt: skip


@pytest.fixture
def scripted_day(customer, make_user, make_space, monday, monkeypatch):
    """Monday in a test room: acme 09-11 (used), rival 14-16 (no-show, released), and the readings."""
    space = make_space("lab", opening_hours=HOURS)
    before = paris(monday, 7)
    book = lambda user, a, b, **kw: bookings.book(  # noqa: E731
        user, BookingRequest("la-coque", "lab", paris(monday, a), paris(monday, b), "T", 4), now=before, **kw
    )
    book(customer, 9, 11)
    rival = make_user("customer", org="rival")
    book(rival, 14, 16)
    book(rival, 17, 18, hold=True)  # a hold is not a booking yet
    checkin.release_no_shows(paris(monday, 14, 15), checkin.SensorView(lambda *_: "healthy", lambda *_: False))
    readings = scripted_readings(monday)
    monkeypatch.setattr(utilization, "_readings_source", lambda: lambda ids, a, b, **_: {space.id: readings})
    return space


def rows_for(actor, monday, group):
    return utilization.report(actor, monday, monday, group=group, now=paris(monday, 23))


def test_space_row_matches_the_hand_computed_day(scripted_day, staff, monday):
    row = next(r for r in rows_for(staff, monday, "space") if r["space"] == "la-coque/lab")
    assert row == {
        "day": monday.isoformat(), "space": "la-coque/lab", "bookable_minutes": 720, "booked_minutes": 240,
        "occupied_minutes": 130, "booked_used_minutes": 90, "no_shows": 1, "peak_count": 12,
    }  # fmt: skip


def test_company_rows_show_each_its_own_share(scripted_day, staff, monday):
    rows = {r["company"]: r for r in rows_for(staff, monday, "company")}
    assert rows["acme"] | {"day": None} == {
        "day": None, "company": "acme", "bookable_minutes": None, "booked_minutes": 120,
        "occupied_minutes": 90, "booked_used_minutes": 90, "no_shows": 0, "peak_count": 12,
    }  # fmt: skip
    assert (rows["rival"]["booked_minutes"], rows["rival"]["no_shows"], rows["rival"]["peak_count"]) == (120, 1, 0)


def test_site_row_adds_up_its_spaces(scripted_day, staff, monday):
    site = next(r for r in rows_for(staff, monday, "site") if r["site"] == "la-coque")
    assert (site["booked_minutes"], site["booked_used_minutes"], site["no_shows"], site["peak_count"]) == (
        240,
        90,
        1,
        12,
    )


def test_a_company_sees_only_its_own_bookings(scripted_day, customer, monday):
    rows = rows_for(customer, monday, "space")
    assert rows == [
        {"day": monday.isoformat(), "space": "la-coque/lab", "bookable_minutes": None, "booked_minutes": 120,
         "occupied_minutes": 90, "booked_used_minutes": 90, "no_shows": 0, "peak_count": 12},
    ]  # fmt: skip
    assert [r["company"] for r in rows_for(customer, monday, "company")] == ["acme"]


def test_bookable_minutes_follow_the_dst_change(make_space, staff):
    make_space("open-all-week")  # open 00:00-24:00
    day = last_sunday(2026, 10)  # 25 hours long in Paris
    row = next(r for r in utilization.report(staff, day, day) if r["space"] == "la-coque/open-all-week")
    assert row["bookable_minutes"] == 25 * 60


def test_api_answers_json_and_csv(client, auth, staff, scripted_day, monday):
    query = f"/api/v1/utilization?start={monday.isoformat()}&end={monday.isoformat()}&group=site"
    as_json = client.get(query, headers=auth(staff))
    assert as_json.status_code == 200
    assert {r["site"] for r in as_json.json} == {"la-coque", "chateau-des-baumes", "carrefour-innovation"}
    as_csv = client.get(query, headers={**auth(staff), "Accept": "text/csv"})
    assert as_csv.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert rows[0].keys() >= {"day", "site", "booked_minutes", "booked_used_minutes", "peak_count"}
    assert client.get(query + "&format=csv", headers=auth(staff)).mimetype == "text/csv"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-12-07&end=2026-12-01", "end"),  # backwards
        ("start=2026-01-01&end=2027-12-31", "end"),  # too long a range
        ("start=monday&end=2026-12-01", "start"),  # not a date
        ("start=2026-12-07&end=2026-12-07&group=floor", "group"),  # unknown grouping
    ],
)
def test_bad_ranges_are_422(client, auth, staff, query, field):
    response = client.get(f"/api/v1/utilization?{query}", headers=auth(staff))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == field


def test_rollup_stores_the_day_and_replaces_it_when_rerun(scripted_day, monday):
    from booking.extensions import db
    from booking.models import UtilizationDay

    first = utilization.rollup(monday, now=paris(monday, 23))
    assert utilization.rollup(monday, now=paris(monday, 23, 30)) == first
    row = db.session.query(UtilizationDay).filter_by(space_id=scripted_day.id, organisation_id=0).one()
    assert (row.booked_minutes, row.occupied_minutes, row.booked_used_minutes) == (240, 130, 90)


def test_a_days_steps_within_a_window_are_those_a_plain_scan_keeps(monday):
    """The figures bisect a day's steps to each booked window; a scan of every step, clipped to the
    window, keeps the same ones, once each, whatever the readings and the bookings."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from booking.utilization import clip, day_of_counts, merge, segments

    start, end = paris(monday, 0), paris(monday + timedelta(days=1), 0)
    readings_of = st.lists(st.tuples(st.integers(-120, 24 * 60 + 60), st.integers(0, 4)), max_size=60)
    windows_of = st.lists(st.tuples(st.integers(-60, 24 * 60), st.integers(1, 600)), max_size=6)

    @settings(max_examples=300, deadline=None, derandomize=True, database=None)
    @given(readings_of, windows_of, st.integers(0, 26 * 60))
    def check(made, windows, now_minute):
        readings = [Reading(start + timedelta(minutes=m), n) for m, n in made]
        now = start + timedelta(minutes=now_minute)
        window = clip(merge((start + timedelta(minutes=a), start + timedelta(minutes=a + d)) for a, d in windows),
                      start, end)  # fmt: skip
        counts = day_of_counts(day_start=start, day_end=end, readings=readings, now=now)
        until = min(end, max(now, start))
        scanned = [s for s in segments([r for r in readings if r.at < until], until) if clip(window, s[0], s[1])]
        assert counts.within(window) == scanned

    check()


def test_a_days_count_serves_the_space_and_each_company_alike(monday):
    """figures_of over one day's count gives what day_figures gives for each booking set alone."""
    from booking.utilization import day_of_counts, figures_of

    common = dict(day_start=paris(monday, 0), day_end=paris(monday + timedelta(days=1), 0), now=paris(monday, 23))
    opening = [(paris(monday, 8), paris(monday, 20))]
    spans = [
        BookedSpan(paris(monday, 9), paris(monday, 11), "confirmed", 1),
        BookedSpan(paris(monday, 11, 30), paris(monday, 12, 15), "confirmed", 2),
        BookedSpan(paris(monday, 14), paris(monday, 16), "released", 2),
    ]
    counts = day_of_counts(readings=scripted_readings(monday), **common)
    for booked, within in ((spans, False), (spans[:1], True), (spans[1:], True), ([], True)):
        alone = day_figures(opening=opening, bookings=booked, readings=scripted_readings(monday),
                            within_bookings=within, **common)  # fmt: skip
        assert figures_of(counts, opening=opening, bookings=booked, within_bookings=within) == alone
