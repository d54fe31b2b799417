"""Staff open a booking from the calendars: its actions and its audit trail."""

from __future__ import annotations

import pytest

from booking.extensions import db
from booking.models import Booking, Status


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
