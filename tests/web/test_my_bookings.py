"""My bookings: upcoming first, what took place and what was cancelled apart, a series as one item
with its dates folded in, filters by site and status, and cancelling that asks first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from clock import paris

from booking.extensions import db
from booking.models import Booking, Status
from booking.services import bookings, series
from booking.services.bookings import BookingRequest


@pytest.fixture
def company_in(client, sign_in, customer):
    sign_in(customer)
    return customer


@pytest.fixture
def half_past_series(customer):
    """Five weekly breakfasts that began two weeks ago: two took place, at least two are to come, whatever the hour."""
    now = datetime.now(UTC)
    first = (now - timedelta(days=14)).date()
    while first.weekday() > 4:
        first += timedelta(days=1)
    req = BookingRequest("la-coque", "salle-calanques", paris(first, 8), paris(first, 9), "Petit-déjeuner", 6)
    booked_at = paris(first, 7) - timedelta(days=1)
    return bookings.book_series(customer, req, "FREQ=WEEKLY;COUNT=5", skip_conflicts=True, now=booked_at)


def shelf(page: str, name: str) -> str:
    """The HTML of one shelf of the page."""
    start = page.index(f'data-shelf="{name}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else None]


def test_upcoming_comes_first_then_past_then_cancelled(client, company_in, make_booking, monday):
    make_booking(company_in, title="Comité", day=monday)
    cancelled = make_booking(company_in, "salle-frioul", title="Point annulé", day=monday)
    bookings.transition(company_in, cancelled.id, "cancel")
    last_week = (datetime.now(UTC) - timedelta(days=8)).date()
    while last_week.weekday() > 4:
        last_week -= timedelta(days=1)
    req = BookingRequest("la-coque", "salle-calanques", paris(last_week, 10), paris(last_week, 12), "Revue", 6)
    bookings.book(company_in, req, now=paris(last_week, 9) - timedelta(days=2))

    page = client.get("/portal/bookings").get_data(as_text=True)
    assert page.index('data-shelf="upcoming"') < page.index('data-shelf="past"') < page.index('data-shelf="cancelled"')
    assert "Comité" in shelf(page, "upcoming")
    assert "Revue" in shelf(page, "past")
    assert "Point annulé" in shelf(page, "cancelled") and "Point annulé" not in shelf(page, "upcoming")


def test_a_series_is_one_item_with_its_dates_folded_in(client, company_in, half_past_series):
    page = client.get("/portal/bookings").get_data(as_text=True)
    coming = shelf(page, "upcoming")
    group = half_past_series.group.id
    assert coming.count(f'data-group="{group}"') == 1
    assert "<details" in coming and "Les dates" in coming
    to_come = series.still_to_come(half_past_series.group, datetime.now(UTC))
    for booking in to_come:
        assert f'id="booking-{booking.id}"' in coming
    assert "Annuler toute la série" in coming
    assert f'data-group="{group}"' in shelf(page, "past")  # the dates that took place, apart


def test_filters_narrow_the_list_to_a_site_and_a_status(client, company_in, make_booking, monday):
    make_booking(company_in, title="À Marseille", day=monday)
    make_booking(company_in, "salle-crau", site="chateau-des-baumes", title="À Istres", day=monday)
    held = make_booking(company_in, "salle-frioul", title="En option", day=monday, hold=True)
    by_site = client.get("/portal/bookings?site=chateau-des-baumes").get_data(as_text=True)
    assert "À Istres" in by_site and "À Marseille" not in by_site
    by_status = client.get("/portal/bookings?status=hold").get_data(as_text=True)
    assert f'id="booking-{held.id}"' in by_status and "À Marseille" not in by_status
    assert "Tout afficher" in by_status
    unknown = client.get("/portal/bookings?site=atlantis")  # an old link: everything, not an error
    assert unknown.status_code == 200 and "À Marseille" in unknown.get_data(as_text=True)


def test_cancelling_asks_first_and_says_what_it_costs(client, company_in, make_booking):
    booking = make_booking(company_in, title="Kick-off")
    listed = client.get("/portal/bookings").get_data(as_text=True)
    assert f'href="/portal/bookings/{booking.id}/cancel"' in listed
    page = client.get(f"/portal/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "Annuler Kick-off\u00a0?" in page
    assert "sans frais" in page
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == Status.CONFIRMED  # asking changed nothing


def test_cancelling_inside_the_spaces_paid_period_says_the_fee_before_the_button(client, company_in, make_booking):
    # the showroom cancels free until 30 days before, then at half its price (2 h at 450 € excl. VAT)
    booking = make_booking(company_in, "showroom", 10, 12, title="Lancement", attendees=40)
    page = client.get(f"/portal/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "sans frais" not in page
    assert "Annuler maintenant coûte 450,00" in page and "HT" in page
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).cancellation_fee is None  # asking charged nothing


def test_the_confirmation_cancels(client, company_in, make_booking, post_form):
    booking = make_booking(company_in, title="Kick-off")
    url = f"/portal/bookings/{booking.id}/cancel"
    response = post_form(url, url)
    assert response.headers["Location"] == "/portal/bookings"
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == Status.CANCELLED


def test_cancelling_a_booking_that_took_place_says_there_is_nothing_to_cancel(client, company_in):
    day = (datetime.now(UTC) - timedelta(days=8)).date()
    while day.weekday() > 4:
        day -= timedelta(days=1)
    req = BookingRequest("la-coque", "salle-calanques", paris(day, 10), paris(day, 12), "Revue", 6)
    past = bookings.book(company_in, req, now=paris(day, 9) - timedelta(days=2))
    response = client.get(f"/portal/bookings/{past.id}/cancel")
    assert response.status_code == 409
    assert "Rien à annuler" in response.get_data(as_text=True)


def test_cancelling_the_whole_series_frees_the_dates_to_come_only(client, company_in, half_past_series, post_form):
    group = half_past_series.group
    url = f"/portal/series/{group.id}/cancel"
    page = client.get(url).get_data(as_text=True)
    to_come = series.still_to_come(group, datetime.now(UTC))
    assert f"Ces {len(to_come)} dates de la série seront annulées" in page or len(to_come) == 1
    assert "restent telles quelles" in page  # the dates that took place

    response = post_form(url, url)
    assert response.headers["Location"] == "/portal/bookings"
    db.session.expire_all()
    statuses = {b.id: b.status for b in db.session.get(type(group), group.id).bookings}
    assert all(statuses[b.id] == Status.CANCELLED for b in to_come)
    assert [s for s in statuses.values() if s != Status.CANCELLED]  # those that took place stay
    assert "Annulée : Petit-déjeuner" in client.get("/portal/bookings").get_data(as_text=True)


def test_another_companys_series_cannot_be_cancelled(client, sign_in, make_user, half_past_series, post_form):
    sign_in(make_user("customer", org="rival"))
    url = f"/portal/series/{half_past_series.group.id}/cancel"
    assert client.get(url).status_code == 404
    post_form("/portal/bookings", url)
    db.session.expire_all()
    assert all(b.status != Status.CANCELLED for b in half_past_series.bookings)


def test_a_series_total_counts_its_services_as_each_dates_quote_does(client, company_in, monday):
    # two weekly mornings in Salle Calanques, 10:00-12:00 for 8 with a coffee break each:
    # the room 2 h × 60 = 120 excl. VAT (144.00 at 20 %), coffee 8 × 6.50 = 52 (57.20 at 10 %): 201.20 a date
    req = BookingRequest("la-coque", "salle-calanques", paris(monday, 10), paris(monday, 12), "Matinales", 8,
                         services=(("pause-cafe", 8),))  # fmt: skip
    booked = bookings.book_series(company_in, req, "FREQ=WEEKLY;COUNT=2")
    page = client.get("/portal/bookings").get_data(as_text=True)
    card = shelf(page, "upcoming")
    card = card[card.index(f'data-group="{booked.group.id}"') :]
    price = card[card.index('class="price"') :]
    assert "402,40" in price[: price.index("</p>")]  # 2 × 201.20, not the room alone (2 × 144.00)
