"""Staff open a booking from the calendars: its actions and its audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import paris

from booking.extensions import db
from booking.models import Booking, Status
from booking.services import bookings


@pytest.fixture
def staff_in(client, sign_in, staff):
    sign_in(staff)
    return staff


def test_the_calendar_opens_a_booking_with_its_actions_and_history(client, staff_in, customer, make_booking, monday):
    booking = make_booking(customer, title="Kick-off")
    day = client.get(f"/staff/calendar/la-coque?day={monday.isoformat()}").get_data(as_text=True)
    assert f'class="bar-main" href="/staff/bookings/{booking.id}"' in day  # the bar itself opens it
    bar = day[day.index('class="bar-main"') :]
    assert bar.index("</a>") < bar.find("<a", 1) or bar.find("<a", 1) == -1  # no link nested in the bar's
    page = client.get(f"/staff/bookings/{booking.id}").get_data(as_text=True)
    assert "Kick-off" in page and "Historique" in page and "Réservé" in page
    assert f'/staff/bookings/{booking.id}/act/cancel"' in page
    assert f'/staff/bookings/{booking.id}/act/approve"' not in page  # confirmed already
    assert f'/staff/bookings/{booking.id}/move"' in page and "Déplacer la réservation" in page


def test_an_action_taken_from_the_panel_lands_in_the_history(client, staff_in, customer, make_booking, post_form):
    booking = make_booking(customer, title="Kick-off")
    url = f"/staff/bookings/{booking.id}"
    response = post_form(url, f"{url}/act/cancel")
    assert response.headers["Location"] == url
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == Status.CANCELLED
    page = client.get(url).get_data(as_text=True)
    assert "Confirmée → Annulée" in page and staff_in.email in page


def test_rejecting_from_the_panel_needs_a_reason(client, staff_in, customer, make_booking, post_form):
    booking = make_booking(customer, "showroom", 10, 14, attendees=50)  # the showroom needs approval
    url = f"/staff/bookings/{booking.id}"
    post_form(url, f"{url}/act/reject")
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == Status.PENDING
    post_form(url, f"{url}/act/reject", reason="Salle réservée pour un salon")
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == Status.REJECTED
    assert "Salle réservée pour un salon" in client.get(url).get_data(as_text=True)


def test_a_company_cannot_open_the_staff_panel(client, sign_in, customer, make_booking):
    booking = make_booking(customer)
    sign_in(customer)
    assert client.get(f"/staff/bookings/{booking.id}").status_code in (302, 403)


def move(post_form, booking, version=None, **fields):
    url = f"/staff/bookings/{booking.id}"
    data = {"version": str(booking.version if version is None else version)} | fields
    return post_form(url, f"{url}/move", **data)


def test_staff_move_a_booking_from_its_panel_and_the_history_says_from_when_to_when(
    client, staff_in, customer, make_booking, post_form, monday
):
    booking = make_booking(customer, title="Kick-off")
    response = move(post_form, booking, date=monday.isoformat(), start="14:00", end="16:00")
    assert response.status_code == 302 and response.headers["Location"] == f"/staff/bookings/{booking.id}"
    db.session.expire_all()
    moved = db.session.get(Booking, booking.id)
    assert (moved.start_at, moved.end_at) == (paris(monday, 14), paris(monday, 16))
    page = client.get(f"/staff/bookings/{booking.id}").get_data(as_text=True)
    assert "Déplacé : Kick-off." in page
    trail = page[page.index('class="trail"') :]
    assert "Déplacée ou modifiée" in trail and staff_in.email in trail
    assert "10:00 → " in trail and "14:00</span>" in trail


def test_a_move_into_a_taken_slot_says_so_and_offers_what_is_free_instead(
    client, staff_in, customer, make_user, make_booking, post_form, monday
):
    booking = make_booking(customer, title="Kick-off")
    make_booking(make_user("customer", org="rival"), start=14, end=16, title="Rival")
    response = move(post_form, booking, date=monday.isoformat(), start="14:00", end="16:00")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "déjà réservé" in page and "Libre à la place" in page
    assert 'data-alternative="other_time"' in page and "Déplacer ici" in page
    assert 'data-alternative="other_space"' in page  # another room at 14:00, said but not a move
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).start_at == paris(monday, 10)  # nothing moved


def test_a_move_over_a_change_made_meanwhile_is_refused_and_says_why(
    client, staff_in, customer, make_booking, post_form, monday
):
    booking = make_booking(customer, title="Kick-off")
    seen = booking.version
    bookings.reschedule(customer, booking.id, {"title": "Kick-off v2"}, version=seen)
    response = move(post_form, booking, version=seen, date=monday.isoformat(), start="14:00", end="16:00")
    assert response.status_code == 412
    assert "a changé depuis" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).start_at == paris(monday, 10)


def test_a_series_date_moves_alone_or_with_the_following_ones(client, staff_in, customer, post_form, monday):
    req = bookings.BookingRequest("la-coque", "salle-calanques", paris(monday, 8), paris(monday, 9), "Matinale", 6)
    dates = bookings.book_series(customer, req, "FREQ=WEEKLY;COUNT=3").bookings
    page = client.get(f"/staff/bookings/{dates[1].id}").get_data(as_text=True)
    assert 'name="scope" type="radio" value="following"' in page or 'value="following"' in page
    second = monday + timedelta(weeks=1)
    move(post_form, dates[1], date=second.isoformat(), start="09:00", end="10:00", scope="following")
    db.session.expire_all()
    starts = [db.session.get(Booking, d.id).start_at for d in dates]
    assert starts == [paris(monday, 8), paris(second, 9), paris(second + timedelta(weeks=1), 9)]
