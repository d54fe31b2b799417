"""The booking form asks for a number of dates only for a series and totals it; the roadshow form
shows each stop's capacity, whether it is free and its price, and ties each problem to its stop."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.extensions import db
from booking.models import Booking


@pytest.fixture
def company_in(client, sign_in, customer):
    sign_in(customer)
    return customer


def stops(monday, **more):
    return {"legs-0-space": "chateau-des-baumes/salle-etang", "legs-0-date": monday.isoformat(),
            "legs-0-start": "10:00", "legs-0-end": "12:00", "legs-1-space": "la-coque/salle-calanques",
            "legs-1-date": (monday + timedelta(days=1)).isoformat(), "legs-1-start": "10:00",
            "legs-1-end": "12:00"} | more  # fmt: skip


def test_the_repeat_fieldset_has_one_repetition_label_and_a_series_total(client, company_in, monday):
    query = f"date={monday.isoformat()}&start=10:00&end=12:00&attendees=8&repeat=WEEKLY&count=4"
    page = client.get(f"/portal/book/la-coque/salle-calanques?{query}").get_data(as_text=True)
    assert page.count(">Répétition<") == 1  # the fieldset's legend; the select is "Fréquence"
    assert ">Fréquence</label>" in page
    assert "Total de la série" in page and "576,00\xa0€" in page  # 4 × 144 € incl. VAT
    assert 'class="field series-only' in page  # the number of dates folds away while nothing repeats


def test_checking_the_stops_shows_capacity_freedom_and_price_and_books_nothing(
    client, company_in, make_user, make_booking, post_form, monday
):
    make_booking(make_user("customer", org="rival"), "salle-calanques", 10, 12, day=monday + timedelta(days=1))
    page = post_form("/portal/roadshow", "/portal/roadshow", title="Tour", attendees="10", check="1", **stops(monday))
    html = page.get_data(as_text=True)
    first = html[html.index('id="legs-0-look"') :][:800]
    second = html[html.index('id="legs-1-look"') :][:800]
    assert "Jusqu’à 60 personnes" in first and "Libre à cet horaire" in first and "216,00\xa0€" in first
    assert "Jusqu’à 24 personnes" in second and "Déjà réservé sur ce créneau." in second
    assert "Toutes les étapes" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 1  # only the rival's


def test_too_many_people_for_one_stop_is_said_on_that_stop(client, company_in, post_form, monday):
    html = post_form(
        "/portal/roadshow", "/portal/roadshow", title="Tour", attendees="40", **stops(monday)
    ).get_data(as_text=True)
    assert 'id="legs-1-space-error"' in html  # Salle Calanques holds 24
    assert 'id="legs-0-space-error"' not in html  # the Étang holds 60
    assert 'id="attendees-error"' not in html
