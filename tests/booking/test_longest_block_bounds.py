"""Queries look back no further than the longest block, and miss nothing.

No booking's block (its time with setup and teardown) is longer than ``rules.MAX_BLOCK``, so the
scheduler's every-minute check-in and alert queries, the door displays, the feeds and the lists of
bookings bound how far back they read by it. These tests put a booking of exactly
that length at the edge of each bound: still found while it matters, not found once it no longer does.
"""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from clock import PARIS, paris

from booking import jobs, rules
from booking.extensions import db
from booking.models import Alert, Booking
from booking.services import bookings, checkin, doors, feeds, readings, sensors, usage_hours
from booking.services.bookings import BookingRequest
from booking.services.readings import Batch, SensorReading

MINUTE = timedelta(minutes=1)
BUFFERS = {"max_minutes": 2850, "setup_minutes": 15, "teardown_minutes": 15}  # 47 h 30 + 2 × 15 min
NO_BUFFERS = {"max_minutes": 2880}
TEARDOWN = {"max_minutes": 2865, "teardown_minutes": 15}  # people may linger into the next check-in window


@pytest.fixture
def marathon(make_space):
    """``marathon(**rules)`` -> a room open round the clock whose bookings may take the longest block."""

    def make(slug: str = "marathon", *, counter: bool = False, **overrides):
        space = make_space(slug, **overrides)
        assert rules.longest_block(space.max_minutes, space.setup_minutes, space.teardown_minutes) == rules.MAX_BLOCK
        if counter:
            sensors.add_sensor(f"{slug}-counter", site="la-coque", space=slug, kind="counter", interval_seconds=60)
        return space

    return make


@pytest.fixture
def book(customer):
    """``book(start, end, slug=..., layout=...)`` -> a confirmed booking, made an hour before it starts."""

    def make(start, end, *, slug: str = "marathon", layout: str | None = None):
        req = BookingRequest("la-coque", slug, start, end, "Hackathon", 6, layout)
        return bookings.book(customer, req, now=start - timedelta(hours=1))

    return make


def at_ten(monday):
    return paris(monday, 10).astimezone(UTC)  # UTC, so that adding hours is never a wall-clock's sum


def seen_only_at(moment) -> checkin.SensorView:
    """Healthy sensors that saw people at one moment and never otherwise."""
    return checkin.SensorView(health=lambda _s, _now: "healthy", presence=lambda _s, start, end: start <= moment < end)


def read(slug: str, at, count: int) -> None:
    sensor = sensors.get_sensor(f"{slug}-counter")
    readings.record_readings(Batch(readings=[SensorReading(sensor.id, at, at, count=count)]), at)


def open_alerts() -> list[tuple[str, int | None]]:
    db.session.expire_all()
    return sorted((a.kind, a.booking_id) for a in db.session.query(Alert).filter(Alert.status != "resolved"))


def reload(booking: Booking) -> Booking:
    db.session.expire_all()
    return db.session.get(Booking, booking.id)


# --- check-in by presence -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous_block_ends", "checked_in"),
    [
        (MINUTE, False),  # its teardown runs a minute into the window: people seen then are its own
        (timedelta(0), True),  # its block ended as the window opened: people seen then are the next's
    ],
)
def test_the_longest_previous_booking_still_holds_back_presence(
    marathon, book, monday, previous_block_ends, checked_in
):
    marathon(**TEARDOWN)
    start = at_ten(monday)
    opens = start - timedelta(minutes=15)  # the check-in window of the 10:00 booking
    block_end = opens + previous_block_ends
    book(block_end - rules.MAX_BLOCK, block_end - timedelta(minutes=15))  # the longest block, teardown included
    booking = book(start, start + timedelta(hours=2))
    done = checkin.check_in_by_presence(start + timedelta(minutes=5), seen_only_at(opens + timedelta(seconds=30)))
    assert done == int(checked_in)
    assert (reload(booking).checked_in_at is not None) is checked_in


def test_the_longest_booking_is_checked_in_until_its_last_minute(marathon, book, monday):
    marathon(**NO_BUFFERS)
    start = at_ten(monday)
    booking = book(start, start + rules.MAX_BLOCK)
    end = booking.end_at
    assert checkin.check_in_by_presence(end, seen_only_at(end - 2 * MINUTE)) == 0  # over: nothing to check in
    assert checkin.check_in_by_presence(end - MINUTE, seen_only_at(end - 2 * MINUTE)) == 1
    assert reload(booking).checked_in_at == end - MINUTE


def test_the_longest_booking_nobody_came_to_is_released_in_its_last_minute(marathon, book, monday):
    marathon(**NO_BUFFERS, manual_checkin=True)
    start = at_ten(monday)
    booking = book(start, start + rules.MAX_BLOCK)
    released = checkin.release_no_shows(booking.end_at - MINUTE, seen_only_at(start))
    assert [b.id for b in released] == [booking.id]


# --- live alerts ---------------------------------------------------------------------------


def test_the_longest_block_is_the_space_s_current_booking_until_it_ends(marathon, book, monday):
    marathon(counter=True, **BUFFERS)
    start = at_ten(monday)
    booking = book(start, start + timedelta(minutes=BUFFERS["max_minutes"]), layout="boardroom")  # 10 people
    assert booking.block_end - booking.block_start == rules.MAX_BLOCK
    read("marathon", booking.block_end - MINUTE, count=12)
    jobs.watch_spaces(booking.block_end - MINUTE)
    assert open_alerts() == [("over_capacity", booking.id)]  # above its layout's capacity: it is current
    read("marathon", booking.block_end, count=12)
    jobs.watch_spaces(booking.block_end)
    assert open_alerts() == [("in_use_without_booking", None)]  # its block is over


def test_an_overrun_names_the_last_booking_that_ended_within_the_longest_block(marathon, book, monday):
    marathon(counter=True, **NO_BUFFERS)
    start = at_ten(monday)
    previous = book(start, start + rules.MAX_BLOCK)
    cutoff = previous.end_at + rules.MAX_BLOCK  # from then on it is no longer "the booking that just ended"
    book(cutoff + timedelta(minutes=9), cutoff + timedelta(hours=1))
    read("marathon", cutoff - MINUTE, count=3)
    jobs.watch_spaces(cutoff - MINUTE)
    assert open_alerts() == [("overrun", previous.id)]
    read("marathon", cutoff, count=3)
    jobs.watch_spaces(cutoff)
    assert open_alerts() == [("in_use_without_booking", None)]


# --- door displays, feeds, lists ----------------------------------------------------------------


def test_the_door_shows_the_longest_booking_until_its_last_minute(marathon, book, monday):
    space = marathon(**NO_BUFFERS)
    start = at_ten(monday)
    booking = book(start, start + rules.MAX_BLOCK)
    end = booking.end_at
    [last_minute] = doors.door_states(end - MINUTE, {space.id})
    assert last_minute["state"] == "booked"
    assert last_minute["current"]["start"] == start.astimezone(PARIS).isoformat()
    [over] = doors.door_states(end, {space.id})
    assert (over["state"], over["current"]) == ("free", None)


@pytest.mark.parametrize("scope", ["organisation", "site", "space"])
def test_a_feed_keeps_the_longest_booking_until_it_ended_its_past_days_ago(marathon, book, customer, monday, scope):
    marathon(**NO_BUFFERS)
    start = at_ten(monday)
    booking = book(start, start + rules.MAX_BLOCK)
    token, _ = feeds.create_feed(customer, scope, site="la-coque", space="marathon")
    cutoff = booking.end_at + feeds.PAST
    assert [e.booking.id for e in feeds.read_feed(token, now=cutoff - MINUTE).entries] == [booking.id]
    assert feeds.read_feed(token, now=cutoff).entries == []


def test_a_list_from_a_time_has_the_longest_booking_that_ends_after_it(marathon, book, customer, monday):
    marathon(**NO_BUFFERS)
    start = at_ten(monday)
    booking = book(start, start + rules.MAX_BLOCK)
    assert [b.id for b in bookings.list_bookings(customer, start=booking.end_at - MINUTE)] == [booking.id]
    assert bookings.list_bookings(customer, start=booking.end_at) == []


def test_the_hours_of_use_count_the_longest_booking_where_it_runs_into_the_first_day(marathon, book, monday):
    marathon(**NO_BUFFERS)
    end = paris(monday, 1).astimezone(UTC)
    book(end - rules.MAX_BLOCK, end)  # from Saturday 01:00 to Monday 01:00
    assert usage_hours.booked_minutes_by_hour(monday, monday + timedelta(days=6)) == {(0, 0): 60}
