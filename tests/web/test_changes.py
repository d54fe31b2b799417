"""Changing a booking from the pages: one date, or its series from that date on; cancelling alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import PARIS, paris

from booking.extensions import db
from booking.models import Booking


@pytest.fixture
def weekly(app, customer, monday):
    """Four Mondays 10-11 in Salle Calanques for Acme -> their ids, soonest first."""
    from booking.services import bookings

    req = bookings.BookingRequest("la-coque", "salle-calanques", paris(monday, 10), paris(monday, 11), "Point hebdo", 4)
    return [b.id for b in bookings.book_series(customer, req, "FREQ=WEEKLY;COUNT=4").bookings]


def dates() -> list[tuple[str, str, str]]:
    """Every booking as (local start, title, status), soonest first."""
    db.session.expire_all()
    listed = db.session.query(Booking).order_by(Booking.start_at).all()
    return [(b.start_at.astimezone(PARIS).strftime("%m-%d %H:%M"), b.title, b.status) for b in listed]


def change(post_form, booking_id, **fields):
    page = f"/bookings/{booking_id}/change"
    return post_form(page, page, **fields)


def test_my_bookings_offer_to_cancel_a_date_or_the_series_from_it(client, sign_in, customer, weekly):
    sign_in(customer)
    page = client.get("/portal/bookings").get_data(as_text=True)
    assert page.count("Annuler à partir de cette date") == 4
    assert page.count(">✎ Modifier<") == 4


def test_the_change_form_opens_with_the_dates_values(client, sign_in, customer, weekly, monday):
    sign_in(customer)
    page = client.get(f"/bookings/{weekly[1]}/change").get_data(as_text=True)
    assert f'value="{(monday + timedelta(weeks=1)).isoformat()}"' in page
    assert 'value="10:00"' in page and 'value="11:00"' in page
    assert 'value="Point hebdo"' in page
    assert "Cette date et les suivantes" in page


def test_a_company_moves_one_date_and_the_others_stay(client, sign_in, customer, weekly, monday, post_form):
    sign_in(customer)
    before = dates()
    second = (monday + timedelta(weeks=1)).isoformat()
    response = change(post_form, weekly[1], title="Point hebdo", date=second, start="14:00", end="15:00", scope="this",
                      version="1")  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == "/portal/bookings"
    after = dates()
    assert [after[i] for i in (0, 2, 3)] == [before[i] for i in (0, 2, 3)]
    assert after[1][0].endswith("14:00")


def test_staff_retitle_the_series_from_a_date_on_from_the_desk(client, sign_in, staff, weekly, monday, post_form):
    sign_in(staff)
    third = (monday + timedelta(weeks=2)).isoformat()
    response = change(post_form, weekly[2], title="Point mensuel", date=third, start="10:00", end="11:00",
                      scope="following", version="1")  # fmt: skip
    assert response.headers["Location"] == "/staff/bookings"
    assert [title for _when, title, _status in dates()] == ["Point hebdo"] * 2 + ["Point mensuel"] * 2


def test_a_move_onto_a_taken_date_says_which_date_and_changes_nothing(
    client, sign_in, customer, make_user, make_booking, weekly, monday, post_form
):
    make_booking(make_user("customer", org="rival"), "salle-calanques", 14, 15, day=monday + timedelta(weeks=3))
    sign_in(customer)
    before = dates()
    response = change(post_form, weekly[1], title="Point hebdo", date=(monday + timedelta(weeks=1)).isoformat(),
                      start="14:00", end="15:00", scope="following", version="1")  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "1 date de la série n’est pas libre." in page
    assert (monday + timedelta(weeks=3)).isoformat() in page
    assert dates() == before


def test_a_change_made_meanwhile_by_someone_else_is_not_overwritten(sign_in, customer, weekly, monday, post_form):
    sign_in(customer)
    response = change(post_form, weekly[0], title="Stale", date=monday.isoformat(), start="10:00", end="11:00",
                      version="7")  # fmt: skip
    assert response.status_code == 422
    assert "La réservation a changé depuis que vous l’avez ouverte" in response.get_data(as_text=True)
    assert dates()[0][1] == "Point hebdo"


def test_cancelling_from_a_date_on_from_my_bookings(client, sign_in, customer, weekly, post_form):
    sign_in(customer)
    response = post_form(
        f"/bookings/{weekly[2]}/cancel?scope=following", f"/bookings/{weekly[2]}/cancel", scope="following"
    )
    assert response.headers["Location"] == "/portal/bookings"
    assert [status for *_rest, status in dates()] == ["confirmed", "confirmed", "cancelled", "cancelled"]


def test_staff_cancel_one_date_from_the_desk(client, sign_in, staff, weekly, post_form):
    sign_in(staff)
    response = post_form(f"/bookings/{weekly[1]}/cancel", f"/bookings/{weekly[1]}/cancel", scope="this")
    assert response.headers["Location"] == "/staff/bookings"
    assert [status for *_rest, status in dates()] == ["confirmed", "cancelled", "confirmed", "confirmed"]


def test_another_company_can_neither_open_nor_cancel_the_series(client, sign_in, make_user, weekly, post_form):
    sign_in(make_user("customer", org="rival"))
    assert client.get(f"/bookings/{weekly[0]}/change").status_code == 404
    post_form("/portal/bookings", f"/bookings/{weekly[0]}/cancel", scope="following")
    assert [status for *_rest, status in dates()] == ["confirmed"] * 4


def test_cancelling_from_a_date_on_asks_first_naming_the_dates(client, sign_in, customer, weekly, monday):
    sign_in(customer)
    listed = client.get("/portal/bookings").get_data(as_text=True)
    assert f'href="/bookings/{weekly[2]}/cancel?scope=following"' in listed
    page = client.get(f"/bookings/{weekly[2]}/cancel?scope=following").get_data(as_text=True)
    assert "Ces 2 dates de la série seront annulées, à partir de celle-ci" in page
    assert "Les dates précédentes de la série restent telles quelles." in page
    assert 'name="scope" value="following"' in page
    assert [status for *_rest, status in dates()] == ["confirmed"] * 4  # asking cancels nothing


def test_staff_desk_cancel_asks_first_then_cancels_one_date(client, sign_in, staff, weekly, post_form):
    sign_in(staff)
    assert f'href="/bookings/{weekly[1]}/cancel"' in client.get("/staff/bookings").get_data(as_text=True)
    page = client.get(f"/bookings/{weekly[1]}/cancel").get_data(as_text=True)
    assert 'name="scope" value="this"' in page and 'href="/staff/bookings"' in page
    response = post_form(f"/bookings/{weekly[1]}/cancel", f"/bookings/{weekly[1]}/cancel", scope="this")
    assert response.headers["Location"] == "/staff/bookings"
    assert [status for *_rest, status in dates()] == ["confirmed", "cancelled", "confirmed", "confirmed"]


def test_a_date_already_cancelled_has_nothing_left_to_confirm(client, sign_in, customer, weekly, post_form):
    sign_in(customer)
    post_form(f"/bookings/{weekly[0]}/cancel", f"/bookings/{weekly[0]}/cancel", scope="this")
    assert client.get(f"/bookings/{weekly[0]}/cancel").status_code == 409
