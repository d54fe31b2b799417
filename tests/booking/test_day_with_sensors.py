"""The day driven by real sensor readings: check-in by presence, release, live alerts, occupied minutes.

Readings go through the sensors side's own write (``readings.record_readings``), as the
ingest worker stores them; the scheduler's jobs then run with the clock the test sets.
"""

from __future__ import annotations

import pytest
from clock import paris

from booking import jobs
from booking.extensions import db
from booking.models import Alert, Booking
from booking.services import bookings, readings, sensors, utilization
from booking.services.bookings import BookingRequest
from booking.services.readings import Batch, SensorReading, StatusReport


@pytest.fixture
def room(make_space):
    """``room(**overrides)`` -> a meeting room (boardroom 10, theatre 20) with a people counter."""

    def make(slug: str = "lab", *, sensor: bool = True, **overrides):
        space = make_space(slug, **overrides)
        if sensor:
            sensors.add_sensor(f"{slug}-counter", site="la-coque", space=slug, kind="counter", interval_seconds=60)
        return space

    return make


@pytest.fixture
def book(customer, monday):
    """``book(slug, start_h, end_h, ...)`` -> a confirmed booking on Monday."""

    def make(slug: str = "lab", start=(10, 0), end=(12, 0), attendees: int = 6, layout: str | None = None):
        req = BookingRequest("la-coque", slug, paris(monday, *start), paris(monday, *end), "Meeting", attendees, layout)
        return bookings.book(customer, req, now=paris(monday, 7))

    return make


def read(slug: str, at, **values) -> None:
    """The space's counter reports at ``at``."""
    sensor = sensors.get_sensor(f"{slug}-counter")
    readings.record_readings(Batch(readings=[SensorReading(sensor.id, at, at, **values)]), at)


def status(slug: str, at, online: bool) -> None:
    sensor = sensors.get_sensor(f"{slug}-counter")
    readings.record_readings(Batch(statuses=[StatusReport(sensor.id, online, at)]), at)


def reload(booking: Booking) -> Booking:
    db.session.expire_all()
    return db.session.get(Booking, booking.id)


def open_alerts() -> list[tuple[str, int | None]]:
    db.session.expire_all()
    return sorted((a.kind, a.booking_id) for a in db.session.query(Alert).filter(Alert.status != "resolved"))


# --- check-in and release -----------------------------------------------------------------


def test_presence_checks_the_booking_in(room, book, monday):
    room()
    booking = book()
    read("lab", paris(monday, 10, 2), count=4)
    assert jobs.check_in_by_presence(paris(monday, 10, 3)) == {"checked_in": 1}
    assert reload(booking).checked_in_at == paris(monday, 10, 3)


def test_the_previous_booking_lingering_does_not_check_the_next_one_in(room, book, monday):
    room()
    book(start=(9, 0), end=(10, 0))
    booking = book(start=(10, 0), end=(12, 0))
    read("lab", paris(monday, 9, 55), count=3)  # the 9 o'clock meeting, still there
    read("lab", paris(monday, 10, 0), count=0)
    assert jobs.check_in_by_presence(paris(monday, 10, 5)) == {"checked_in": 0}
    assert reload(booking).checked_in_at is None


def test_empty_room_with_a_healthy_sensor_is_released_after_the_grace_period(room, book, monday):
    room()
    booking = book()
    read("lab", paris(monday, 10, 14), count=0)
    assert jobs.release_no_shows(paris(monday, 10, 14)) == {"released": []}
    assert jobs.release_no_shows(paris(monday, 10, 15)) == {"released": [booking.id]}
    booking = reload(booking)
    assert booking.status == "released"
    assert booking.events[-1].detail["sensor_health"] == "healthy"


@pytest.mark.parametrize(
    ("space", "script", "why"),
    [
        ({}, [("status", 10, 0, False)], "offline"),  # the counter's Last Will: offline
        ({}, [("read", 9, 0, 0)], "stale"),  # silent for over an hour: stale
        ({"sensor": False}, [], "missing"),  # no sensor in the room
        ({"profile": "studio"}, [("read", 10, 14, 0)], "studio"),  # healthy, empty, but a studio
        ({}, [("read", 10, 5, 3), ("read", 10, 14, 0)], "saw people"),  # people came, then left
    ],
)
def test_fail_safes_with_real_sensors(room, book, monday, space, script, why):
    lab = room(**space)
    booking = book()
    for kind, hh, mm, value in script:
        if kind == "read":
            read("lab", paris(monday, hh, mm), count=value)
        else:
            status("lab", paris(monday, hh, mm), value)
    if why in ("offline", "stale", "missing"):
        assert readings.space_sensor_health(lab.id, paris(monday, 10, 15)) == why
    assert jobs.release_no_shows(paris(monday, 10, 15)) == {"released": []}
    assert reload(booking).status == "confirmed"


def test_manual_check_in_room_without_sensor_is_released(room, book, monday):
    room(sensor=False, manual_checkin=True)
    booking = book()
    assert jobs.release_no_shows(paris(monday, 10, 15)) == {"released": [booking.id]}


# --- live alerts ----------------------------------------------------------------------------


def test_over_capacity_of_the_booked_layout_is_raised_then_resolved(room, book, monday):
    room()
    booking = book(layout="boardroom")  # 10 people in boardroom layout
    read("lab", paris(monday, 10, 30), count=12)
    jobs.watch_spaces(paris(monday, 10, 31))
    assert open_alerts() == [("over_capacity", booking.id)]
    jobs.watch_spaces(paris(monday, 10, 32))  # still true: still one alert
    assert open_alerts() == [("over_capacity", booking.id)]
    read("lab", paris(monday, 10, 40), count=9)
    jobs.watch_spaces(paris(monday, 10, 41))
    assert open_alerts() == []


def test_the_safety_limit_applies_without_a_booking(room, monday):
    room(safety_limit=5)
    read("lab", paris(monday, 15), count=6)
    jobs.watch_spaces(paris(monday, 15, 1))
    assert open_alerts() == [("in_use_without_booking", None), ("over_capacity", None)]


def test_use_without_a_booking_is_raised_then_resolved(room, monday):
    room()
    read("lab", paris(monday, 14), count=2)
    jobs.watch_spaces(paris(monday, 14, 1))
    assert open_alerts() == [("in_use_without_booking", None)]
    read("lab", paris(monday, 14, 10), count=0)
    jobs.watch_spaces(paris(monday, 14, 11))
    assert open_alerts() == []


def test_overrun_into_the_next_booking(room, book, monday):
    room()
    first = book(start=(10, 0), end=(12, 0))
    book(start=(12, 30), end=(13, 30))
    read("lab", paris(monday, 12, 20), count=5)
    jobs.watch_spaces(paris(monday, 12, 21))
    assert open_alerts() == [("overrun", first.id)]


def test_sensor_offline_is_raised_and_resolved_when_it_is_back(room, monday):
    room()
    status("lab", paris(monday, 9), False)
    jobs.watch_spaces(paris(monday, 9, 1))
    assert open_alerts() == [("sensor_offline", None)]
    status("lab", paris(monday, 9, 10), True)
    read("lab", paris(monday, 9, 10), count=0)
    jobs.watch_spaces(paris(monday, 9, 11))
    assert open_alerts() == []


# --- utilization from stored readings ------------------------------------------------------


def test_occupied_minutes_come_from_the_stored_readings(room, book, staff, monday):
    room(opening_hours={d: "08:00-20:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    book(start=(9, 0), end=(11, 0))
    for (hh, mm), count in [((8, 50), 3), ((9, 30), 12), ((10, 30), 0), ((12, 0), 2), ((12, 30), 0)]:
        read("lab", paris(monday, hh, mm), count=count)
    rows = utilization.report(staff, monday, monday, now=paris(monday, 23))
    lab = next(r for r in rows if r["space"] == "la-coque/lab")
    assert (lab["bookable_minutes"], lab["booked_minutes"], lab["occupied_minutes"]) == (720, 120, 130)
    assert (lab["booked_used_minutes"], lab["peak_count"]) == (90, 12)
