"""Check-in by hand and by presence, and the release of no-shows, with the clock driven by the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from clock import paris

from booking.extensions import db
from booking.models import Alert, Booking, BookingEvent
from booking.services import bookings, checkin
from booking.services.bookings import BookingRequest


@pytest.fixture
def booked(customer, make_space, monday):
    """``booked(space_slug, **space_overrides)`` -> a confirmed booking, Monday 10:00-12:00 (Paris)."""

    def make(slug: str = "room", **space):
        make_space(slug, **space)
        req = BookingRequest("la-coque", slug, paris(monday, 10), paris(monday, 12), "Board meeting", 6)
        return bookings.book(customer, req, now=paris(monday, 8))

    return make


def sensors(health: str = "healthy", presence: bool = False) -> checkin.SensorView:
    return checkin.SensorView(health=lambda _space, _now: health, presence=lambda _space, _a, _b: presence)


def reload(booking: Booking) -> Booking:
    db.session.expire_all()
    return db.session.get(Booking, booking.id)


# --- by hand ---------------------------------------------------------------------------


def test_owner_checks_in_by_hand_within_the_window(client, auth, customer, make_space):
    make_space("room")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    req = BookingRequest("la-coque", "room", start, start + timedelta(hours=1), "Stand-up", 4)
    booking = bookings.book(customer, req)
    response = client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=auth(customer))
    assert response.status_code == 200, response.json
    assert response.json["checked_in_at"] is not None
    event = db.session.query(BookingEvent).filter_by(booking_id=booking.id, action="check_in").one()
    assert event.detail["by"] == "hand"


def test_checking_in_twice_changes_nothing(client, auth, customer, make_space):
    make_space("room")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    booking = bookings.book(customer, BookingRequest("la-coque", "room", start, start + timedelta(hours=1), "T", 2))
    first = client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=auth(customer)).json["checked_in_at"]
    second = client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=auth(customer)).json["checked_in_at"]
    assert first == second
    assert db.session.query(BookingEvent).filter_by(booking_id=booking.id, action="check_in").count() == 1


def test_check_in_before_the_window_is_a_409(client, auth, booked, customer):
    booking = booked()  # next week
    response = client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=auth(customer))
    assert response.status_code == 409
    assert "check-in opens at" in response.json["detail"]


def test_another_company_cannot_check_in(client, auth, booked, make_user):
    booking = booked()
    response = client.post(f"/api/v1/bookings/{booking.id}/check-in", headers=auth(make_user("customer", org="rival")))
    assert response.status_code == 404


def test_staff_check_in_for_a_company(booked, staff, monday):
    booking = checkin.check_in(staff, booked().id, now=paris(monday, 9, 50))
    assert booking.checked_in_at == paris(monday, 9, 50)


# --- by presence -------------------------------------------------------------------------


def test_presence_in_the_window_checks_the_booking_in(booked, monday):
    booking = booked()
    assert checkin.check_in_by_presence(paris(monday, 10, 5), sensors(presence=True)) == 1
    booking = reload(booking)
    assert booking.checked_in_at == paris(monday, 10, 5)
    assert booking.events[-1].detail["by"] == "presence"


def test_presence_does_not_check_in_a_manual_check_in_space(booked, monday):
    booking = booked(manual_checkin=True)
    assert checkin.check_in_by_presence(paris(monday, 10, 5), sensors(presence=True)) == 0
    assert reload(booking).checked_in_at is None


# --- release of no-shows ---------------------------------------------------------------------


def test_no_show_is_released_after_the_grace_period_and_says_why(booked, monday):
    booking = booked()
    assert checkin.release_no_shows(paris(monday, 10, 14), sensors()) == []  # within the 15 minutes
    released = checkin.release_no_shows(paris(monday, 10, 15), sensors())
    assert [b.id for b in released] == [booking.id]
    booking = reload(booking)
    assert booking.status == "released"
    event = booking.events[-1]
    assert (event.action, event.actor_id, event.to_status) == ("release", None, "released")
    assert "no check-in and no presence" in event.detail["reason"]
    alert = db.session.query(Alert).one()
    assert (alert.kind, alert.booking_id, alert.status) == ("no_show", booking.id, "raised")


def test_a_released_space_can_be_booked_again(booked, make_user, monday):
    booked()
    checkin.release_no_shows(paris(monday, 10, 20), sensors())
    req = BookingRequest("la-coque", "room", paris(monday, 10, 30), paris(monday, 12), "Walk-in", 3)
    walk_in = bookings.book(make_user("customer", org="rival"), req, now=paris(monday, 10, 21))
    assert walk_in.status == "confirmed"


def test_the_space_grace_period_applies(booked, monday):
    booking = booked(checkin_grace_minutes=30)
    assert checkin.release_no_shows(paris(monday, 10, 20), sensors()) == []
    assert [b.id for b in checkin.release_no_shows(paris(monday, 10, 30), sensors())] == [booking.id]


@pytest.mark.parametrize(
    ("space", "view"),
    [
        ({}, sensors(health="offline")),  # sensor offline: a fault is not a no-show
        ({}, sensors(health="stale")),  # sensor silent too long
        ({}, sensors(health="missing")),  # no sensor in the space
        ({}, sensors(presence=True)),  # people were seen (the check-in job has not run yet)
        ({"profile": "studio"}, sensors()),  # people sit still while recording
        ({"profile": "studio", "manual_checkin": True}, sensors()),  # a studio, even with manual check-in
    ],
)
def test_fail_safes_never_release(booked, monday, space, view):
    booking = booked(**space)
    assert checkin.release_no_shows(paris(monday, 10, 45), view) == []
    assert reload(booking).status == "confirmed"
    assert db.session.query(Alert).count() == 0


@pytest.mark.parametrize("health", ["offline", "missing"])
def test_manual_check_in_space_is_released_whatever_its_sensors(booked, monday, health):
    booking = booked(manual_checkin=True)
    assert [b.id for b in checkin.release_no_shows(paris(monday, 10, 15), sensors(health=health))] == [booking.id]
    assert "manual check-in" in reload(booking).events[-1].detail["reason"]


def test_checked_in_booking_is_never_released(booked, staff, monday):
    booking = booked()
    checkin.check_in(staff, booking.id, now=paris(monday, 10, 1))
    assert checkin.release_no_shows(paris(monday, 11), sensors()) == []


def test_release_runs_once(booked, monday):
    booked()
    assert len(checkin.release_no_shows(paris(monday, 10, 15), sensors())) == 1
    assert checkin.release_no_shows(paris(monday, 10, 16), sensors()) == []
    assert db.session.query(Alert).count() == 1


def test_release_is_visible_in_the_api_with_its_reason(client, auth, booked, customer, monday):
    booking = booked()
    checkin.release_no_shows(paris(monday, 10, 15), sensors())
    events = client.get(f"/api/v1/bookings/{booking.id}/events", headers=auth(customer)).json
    assert events[-1]["action"] == "release"
    assert events[-1]["actor"] == "system"
    assert "within 15 minutes" in events[-1]["detail"]["reason"]
