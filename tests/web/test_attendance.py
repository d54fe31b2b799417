"""The company portal on the day: checking a booking in, and waiting for a taken slot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import paris

from booking.extensions import db
from booking.models import Booking, WaitlistEntry
from booking.services import bookings, waitlist
from booking.services.bookings import BookingRequest


@pytest.fixture
def company_in(client, sign_in, customer):
    sign_in(customer)
    return customer


@pytest.fixture
def at(monkeypatch):
    """``at(moment)``: the pages' clock reads ``moment``."""

    def set_clock(moment):
        monkeypatch.setattr("booking.web.portal.utcnow", lambda: moment)
        monkeypatch.setattr("booking.web.attendance.utcnow", lambda: moment)

    return set_clock


def book_form(post_form, day, space="salle-calanques", **fields):
    data = {"title": "Kick-off", "date": day.isoformat(), "start": "10:00", "end": "12:00", "attendees": "8"}
    data.update(fields)
    page = f"/portal/book/la-coque/{space}"
    return post_form(page, page, **data)


@pytest.mark.parametrize(
    "hour, minute, offered",
    [
        (9, 30, False),  # too early: check-in opens 15 minutes before the start
        (9, 50, True),  # within the quarter hour before
        (11, 0, True),  # during the meeting
        (12, 0, False),  # over
    ],
)
def test_check_in_is_offered_only_in_its_window(client, company_in, make_booking, at, monday, hour, minute, offered):
    booking = make_booking(company_in, start=10, end=12)
    at(paris(monday, hour, minute))
    page = client.get("/portal/bookings").get_data(as_text=True)
    assert (f"/portal/bookings/{booking.id}/check-in" in page) is offered


def test_checking_in_from_my_bookings_records_it(client, company_in, make_booking, post_form, at, monday):
    booking = make_booking(company_in, start=10, end=12)
    at(paris(monday, 9, 55))
    response = post_form("/portal/bookings", f"/portal/bookings/{booking.id}/check-in")
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).checked_in_at == paris(monday, 9, 55)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Présence enregistrée : Kick-off." in page
    assert "Arrivée à 09:55" in page


def test_checking_in_too_early_says_why(client, company_in, make_booking, post_form, at, monday):
    booking = make_booking(company_in, start=10, end=12)
    at(paris(monday, 8, 0))
    response = post_form("/portal/bookings", f"/portal/bookings/{booking.id}/check-in")
    assert db.session.get(Booking, booking.id).checked_in_at is None
    assert 'class="flash error"' in client.get(response.headers["Location"]).get_data(as_text=True)


def test_another_companys_booking_cannot_be_checked_in(
    client, company_in, make_user, make_booking, post_form, at, monday
):
    theirs = make_booking(make_user("customer", org="rival"), start=10, end=12)
    at(paris(monday, 10, 0))
    post_form("/portal/bookings", f"/portal/bookings/{theirs.id}/check-in")
    assert db.session.get(Booking, theirs.id).checked_in_at is None


def test_a_taken_slot_offers_the_waitlist(client, company_in, make_user, make_booking, post_form, monday):
    make_booking(make_user("customer", org="rival"), start=10, end=12, title="Their meeting")
    page = book_form(post_form, monday).get_data(as_text=True)
    assert "Rejoindre la liste d’attente" in page
    assert "/portal/waitlist/join/la-coque/salle-calanques" in page


def test_a_free_slot_does_not_offer_the_waitlist(client, company_in, post_form, monday):
    page = book_form(post_form, monday, attendees="400").get_data(as_text=True)  # refused, but not taken
    assert "Rejoindre la liste d’attente" not in page


def test_joining_then_leaving_the_waitlist(client, company_in, make_user, make_booking, post_form, monday):
    make_booking(make_user("customer", org="rival"), start=10, end=12)
    fields = {"title": "Kick-off", "date": monday.isoformat(), "start": "10:00", "end": "12:00", "attendees": "8"}
    response = post_form("/portal/", "/portal/waitlist/join/la-coque/salle-calanques", **fields)
    assert response.headers["Location"].endswith("/portal/waitlist")
    entry = db.session.scalars(db.select(WaitlistEntry)).one()
    assert entry.status == "waiting" and entry.start_at == paris(monday, 10)
    page = client.get("/portal/waitlist").get_data(as_text=True)
    assert "En attente" in page and "Kick-off" in page
    post_form("/portal/waitlist", f"/portal/waitlist/{entry.id}/cancel")
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, entry.id).status == "cancelled"


def test_joining_the_waitlist_of_a_free_slot_says_book_it(client, company_in, post_form, monday):
    fields = {"title": "Kick-off", "date": monday.isoformat(), "start": "10:00", "end": "12:00", "attendees": "8"}
    response = post_form("/portal/", "/portal/waitlist/join/la-coque/salle-calanques", **fields)
    assert "/portal/book/la-coque/salle-calanques" in response.headers["Location"]
    assert db.session.scalars(db.select(WaitlistEntry)).all() == []


@pytest.mark.parametrize("url", ["/portal/waitlist"])
def test_the_waitlist_page_is_for_companies(client, sign_in, staff, url):
    sign_in(staff)
    assert client.get(url).status_code == 403


def test_the_waitlist_page_leaves_out_slots_over_a_month_past(client, company_in, make_user, monday, monday_long_ago):
    """The page lists the queues the company is in, not every slot it ever waited for."""
    rival = make_user("customer", org="rival")

    def wait_for(day, title):
        asked = paris(day, 8) - timedelta(days=2)
        start, end = paris(day, 10), paris(day, 12)
        bookings.book(rival, BookingRequest("la-coque", "salle-calanques", start, end, "Taken", 4), now=asked)
        req = BookingRequest("la-coque", "salle-calanques", start, end, title, 5)
        waitlist.join(company_in, req, now=asked)

    wait_for(monday_long_ago, "Spring offsite")
    wait_for(monday, "Board meeting")
    page = client.get("/portal/waitlist").get_data(as_text=True)
    assert "Board meeting" in page
    assert "Spring offsite" not in page
