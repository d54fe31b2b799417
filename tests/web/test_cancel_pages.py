"""Cancelling a series from a date on, and cancelling at the staff desk, ask first: which dates, what it costs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from clock import paris

from booking.extensions import db
from booking.models import Booking, Status
from booking.services import bookings
from booking.web.formatting import money


@pytest.fixture
def mornings(customer, monday):
    req = bookings.BookingRequest("la-coque", "salle-calanques", paris(monday, 8), paris(monday, 9), "Matinale", 6)
    return bookings.book_series(customer, req, "FREQ=WEEKLY;COUNT=3").bookings


def statuses(dates) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Booking, d.id).status for d in dates]


def test_cancel_from_this_date_on_names_the_dates_and_their_fees_before_the_button(
    app, client, sign_in, customer, mornings
):
    sign_in(customer)
    listing = client.get("/portal/bookings").get_data(as_text=True)
    assert f'href="/bookings/{mornings[1].id}/cancel?scope=following"' in listing  # a link to the page, no post
    response = client.get(f"/bookings/{mornings[1].id}/cancel?scope=following")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ces 2 dates de la série seront annulées, à partir de celle-ci" in page
    assert f"/bookings/{mornings[1].id}/cancel" in page and 'name="scope" value="following"' in page
    now = datetime.now(UTC)
    fees = [fee for d in mornings[1:] if (fee := bookings.fee_if_cancelled(d, now))]
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        if fees:
            assert "Annuler maintenant coûte " + money(sum(fees)) in page
            assert all("frais d’annulation " + money(fee) in page for fee in fees)
        else:
            assert "L’annulation est sans frais" in page
    assert "on ne peut pas revenir en arrière" in page
    assert statuses(mornings) == [Status.CONFIRMED] * 3  # asking changed nothing


def test_the_confirmation_cancels_exactly_those_dates(client, sign_in, customer, mornings, post_form):
    sign_in(customer)
    page = f"/bookings/{mornings[1].id}/cancel?scope=following"
    response = post_form(page, f"/bookings/{mornings[1].id}/cancel", scope="following")
    assert response.headers["Location"] == "/portal/bookings"
    assert statuses(mornings) == [Status.CONFIRMED, Status.CANCELLED, Status.CANCELLED]


def test_the_desk_asks_before_cancelling_and_comes_back_to_the_desk(
    client, sign_in, staff, customer, make_booking, post_form
):
    booking = make_booking(customer, title="Kick-off")
    sign_in(staff)
    desk = client.get("/staff/bookings").get_data(as_text=True)
    assert f'href="/bookings/{booking.id}/cancel"' in desk
    page = client.get(f"/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "Annuler Kick-off\u00a0?" in page and "Oui, annuler cette réservation" in page
    assert 'href="/staff/bookings">Non, la garder' in page
    response = post_form(f"/bookings/{booking.id}/cancel", f"/bookings/{booking.id}/cancel", scope="this")
    assert response.headers["Location"] == "/staff/bookings"
    assert statuses([booking]) == [Status.CANCELLED]
