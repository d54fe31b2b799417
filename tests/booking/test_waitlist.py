"""The waitlist: ask for a taken slot; when it frees, the first in line gets a hold and is told."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from clock import iso, paris

from booking.extensions import db
from booking.models import Booking, OutboxEvent, WaitlistEntry
from booking.services import bookings, checkin, waitlist
from booking.services.bookings import BookingRequest


@pytest.fixture
def taken(customer, monday):
    """The slot acme booked: Salle Frioul, Monday 10:00-12:00."""
    req = BookingRequest("la-coque", "salle-frioul", paris(monday, 10), paris(monday, 12), "Kick-off", 4)
    return bookings.book(customer, req, now=paris(monday, 8) - timedelta(days=2))


@pytest.fixture
def wait(client, auth, monday):
    """``wait(user, start_h, end_h)`` posts a waitlist request for Salle Frioul."""

    def post(user, start: int = 10, end: int = 12, **fields):
        body = {
            "site": "la-coque", "space": "salle-frioul", "title": "Our workshop", "attendees": 5,
            "start": iso(paris(monday, start)), "end": iso(paris(monday, end)),
        }  # fmt: skip
        body.update(fields)
        return client.post("/api/v1/waitlist", json=body, headers=auth(user))

    return post


@pytest.fixture
def rival(make_user):
    return make_user("customer", org="rival")


def entry(entry_id: int) -> WaitlistEntry:
    db.session.expire_all()
    return db.session.get(WaitlistEntry, entry_id)


def test_a_company_waits_for_a_taken_slot(taken, wait, rival):
    response = wait(rival)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "waiting"
    assert response.json["organisation"] == "rival"


def test_waiting_for_a_free_slot_is_refused(wait, rival):
    response = wait(rival, 14, 16)
    assert response.status_code == 409
    assert "book it instead" in response.json["detail"]


def test_a_cancellation_gives_the_first_in_line_a_hold(taken, wait, rival, make_user, customer, monday):
    first = wait(rival).json["id"]
    second = wait(make_user("customer", org="third")).json["id"]
    bookings.transition(customer, taken.id, "cancel", now=paris(monday, 8))
    offered, still_waiting = entry(first), entry(second)
    assert offered.status == "offered"
    hold = db.session.get(Booking, offered.booking_id)
    assert (hold.status, hold.organisation.slug) == ("hold", "rival")
    assert hold.hold_expires_at is not None
    assert still_waiting.status == "waiting"  # its slot is the hold's now
    notice = db.session.query(OutboxEvent).filter_by(kind="waitlist.offered").one()
    assert notice.organisation_id == rival.organisation_id
    assert notice.payload["booking"]["id"] == hold.id


def test_an_expired_hold_passes_the_slot_to_the_next_in_line(taken, wait, rival, make_user, customer, monday, app):
    first = wait(rival).json["id"]
    second = wait(make_user("customer", org="third")).json["id"]
    bookings.transition(customer, taken.id, "cancel", now=paris(monday, 8))
    ttl = app.config["HOLD_TTL_MINUTES"]
    assert bookings.expire_holds(paris(monday, 8) + timedelta(minutes=ttl)) == 1
    assert entry(first).status == "offered"
    assert entry(second).status == "offered"
    assert db.session.get(Booking, entry(second).booking_id).organisation.slug == "third"


def test_a_released_no_show_offers_the_rest_of_the_slot(customer, wait, rival, monday):
    req = BookingRequest("la-coque", "salle-frioul", paris(monday, 10), paris(monday, 17), "All day", 4)
    bookings.book(customer, req, now=paris(monday, 8))
    later = wait(rival, 14, 16).json["id"]
    healthy_and_empty = checkin.SensorView(lambda *_: "healthy", lambda *_: False)
    checkin.release_no_shows(paris(monday, 10, 15), healthy_and_empty)
    assert entry(later).status == "offered"


def test_only_overlapping_requests_are_offered(taken, wait, rival, customer, monday):
    other = wait(rival, 14, 16)
    assert other.status_code == 409  # free: nothing to wait for
    bookings.book(customer, BookingRequest("la-coque", "salle-frioul", paris(monday, 14), paris(monday, 16), "PM", 2))
    afternoon = wait(rival, 14, 16).json["id"]
    bookings.transition(customer, taken.id, "cancel", now=paris(monday, 8))
    assert entry(afternoon).status == "waiting"


def test_companies_see_and_cancel_only_their_own_entries(client, auth, taken, wait, rival, customer):
    mine = wait(rival).json["id"]
    assert [e["id"] for e in client.get("/api/v1/waitlist", headers=auth(rival)).json] == [mine]
    assert client.get("/api/v1/waitlist", headers=auth(customer)).json == []
    assert client.delete(f"/api/v1/waitlist/{mine}", headers=auth(customer)).status_code == 404
    assert client.delete(f"/api/v1/waitlist/{mine}", headers=auth(rival)).json["status"] == "cancelled"


def test_a_cancelled_entry_is_not_offered(taken, wait, rival, customer, monday, client, auth):
    mine = wait(rival).json["id"]
    client.delete(f"/api/v1/waitlist/{mine}", headers=auth(rival))
    bookings.transition(customer, taken.id, "cancel", now=paris(monday, 8))
    assert entry(mine).status == "cancelled"
    assert db.session.query(Booking).filter_by(status="hold").count() == 0


def test_entries_lapse_when_their_time_passes(taken, wait, rival, monday):
    mine = wait(rival).json["id"]
    assert waitlist.sweep(paris(monday, 10))["lapsed"] == 1
    assert entry(mine).status == "lapsed"


@pytest.fixture
def queued(customer, rival):
    """``queued(day, hour)``: acme booked Salle Frioul from ``hour`` for two hours; rival waits for it."""

    def queue(day, hour: int) -> int:
        asked = paris(day, 8) - timedelta(days=2)
        start, end = paris(day, hour), paris(day, hour + 2)
        bookings.book(customer, BookingRequest("la-coque", "salle-frioul", start, end, "Taken", 4), now=asked)
        req = BookingRequest("la-coque", "salle-frioul", start, end, "Ours", 5)
        return waitlist.join(rival, req, now=asked).id

    return queue


def test_the_list_holds_the_slots_asked_for_between_start_and_end_soonest_first(
    client, auth, rival, queued, monday, monday_long_ago
):
    long_ago = queued(monday_long_ago, 10)
    soon, later = queued(monday, 10), queued(monday, 14)

    def listed(**query) -> list[int]:
        response = client.get(f"/api/v1/waitlist?{urlencode(query)}", headers=auth(rival))
        assert response.status_code == 200, response.json
        return [each["id"] for each in response.json]

    assert listed() == [long_ago, soon, later]
    assert listed(start=iso(paris(monday, 0))) == [soon, later]
    assert listed(start=iso(paris(monday, 11))) == [soon, later]  # soon's slot is still running at 11:00
    assert listed(start=iso(paris(monday, 0)), end=iso(paris(monday, 12))) == [soon]
    assert listed(limit=2) == [long_ago, soon]


def test_a_list_limit_out_of_range_is_refused(client, auth, rival):
    for limit in (0, 1001):
        response = client.get(f"/api/v1/waitlist?limit={limit}", headers=auth(rival))
        assert response.status_code == 422
        assert "limit" in response.json["errors"][0]["field"]
