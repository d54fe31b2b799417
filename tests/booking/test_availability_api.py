"""Searching free spaces: filters, busy spaces left out, a quote per offer, cheapest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from clock import iso, paris

from booking.extensions import db
from booking.models import Booking
from booking.services import bookings
from booking.services.bookings import BookingRequest


@pytest.fixture
def search(client, monday):
    """``search(**args)`` -> the offers for Monday 10:00-14:00 (or the given window) as (site, space) pairs.

    Four hours: long enough for every space's minimum duration.
    """

    def get(raw: bool = False, **args):
        args.setdefault("start", iso(paris(monday, 10)))
        args.setdefault("end", iso(paris(monday, 14)))
        response = client.get("/api/v1/availability", query_string=args)
        if raw:
            return response
        assert response.status_code == 200, response.json
        return [(offer["space"]["site"], offer["space"]["slug"]) for offer in response.json]

    return get


def book(user, space: str, start: datetime, end: datetime, site: str = "la-coque", **kwargs) -> Booking:
    return bookings.book(user, BookingRequest(site, space, start, end, "Busy", 2), **kwargs)


def test_every_open_space_of_every_site_is_offered_when_nothing_is_booked(search):
    offers = search()
    assert {site for site, _ in offers} == {"la-coque", "chateau-des-baumes", "carrefour-innovation"}
    assert len(offers) == len(set(offers)) == 13


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # one site only
        ({"site": "carrefour-innovation"}, {"auditorium", "salle-sainte-victoire", "salle-cezanne", "salle-mirabeau"}),
        # one kind of space
        ({"kind": "tv-set"}, {"plateau-tv"}),
        # every listed item of equipment, comma-separated or repeated
        ({"equipment": "streaming,stage"}, {"showroom", "auditorium"}),
        ({"equipment": ["streaming", "stage"]}, {"showroom", "auditorium"}),
        # enough room in the largest layout
        ({"attendees": 100}, {"showroom", "grande-salle", "parc", "auditorium"}),
        # enough room in the chosen layout: the grounds have no theatre layout
        ({"attendees": 100, "layout": "theatre"}, {"showroom", "grande-salle", "auditorium"}),
        # filters combine
        ({"site": "la-coque", "equipment": "videoconference", "attendees": 10}, {"salle-calanques"}),
    ],
)
def test_filters_narrow_the_offers(search, args, expected):
    assert {space for _, space in search(**args)} == expected


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        ({"equipment": "teleporter"}, "equipment", "unknown equipment: teleporter"),
        ({"site": "atlantis"}, "site", "unknown site"),
        ({"start": "2026-12-07T10:00:00"}, "start", "UTC offset"),  # naive time
        ({"end": "2026-12-07T12:00:00"}, "end", "UTC offset"),
        ({"start": "tomorrow"}, "start", "ISO 8601"),
        ({"end": "@START"}, "end", "after start"),
        ({"attendees": 0}, "attendees", "greater than or equal to 1"),
        ({"attendees": "many"}, "attendees", "Not a valid integer"),
    ],
)
def test_bad_searches_are_a_422_naming_the_field(search, monday, args, field, words):
    args = {k: iso(paris(monday, 10)) if v == "@START" else v for k, v in args.items()}
    response = search(raw=True, **args)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problems = {e["field"]: e["message"] for e in response.json["errors"]}
    assert words in problems[field], problems


def test_start_and_end_are_required(client):
    response = client.get("/api/v1/availability")
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"start", "end"}


def test_a_booked_space_is_not_offered(search, customer, monday):
    book(customer, "salle-calanques", paris(monday, 11), paris(monday, 12))
    assert ("la-coque", "salle-calanques") not in search()
    assert ("la-coque", "salle-frioul") in search()


def test_a_space_is_busy_during_its_teardown_buffer(search, customer, monday):
    # Salle Calanques needs 15 minutes after each booking
    book(customer, "salle-calanques", paris(monday, 8), paris(monday, 10))
    assert ("la-coque", "salle-calanques") not in search(start=iso(paris(monday, 10)), end=iso(paris(monday, 11)))
    assert ("la-coque", "salle-calanques") in search(start=iso(paris(monday, 10, 15)), end=iso(paris(monday, 11, 15)))


def test_a_space_is_busy_when_its_buffers_would_run_into_the_next_booking(search, customer, monday):
    # the Showroom needs an hour before and after each booking: 16:00-18:00 blocks 15:00-19:00
    book(customer, "showroom", paris(monday, 16), paris(monday, 18))
    assert ("la-coque", "showroom") in search(start=iso(paris(monday, 10)), end=iso(paris(monday, 14)))
    assert ("la-coque", "showroom") not in search(start=iso(paris(monday, 10, 30)), end=iso(paris(monday, 14, 30)))


def test_a_live_hold_blocks_but_a_lapsed_one_does_not(search, customer, monday):
    held = book(customer, "salle-frioul", paris(monday, 10), paris(monday, 12), hold=True)
    assert ("la-coque", "salle-frioul") not in search()
    held.hold_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert ("la-coque", "salle-frioul") in search()


def test_cancelled_bookings_free_the_space(search, customer, monday):
    booking = book(customer, "salle-frioul", paris(monday, 10), paris(monday, 12))
    bookings.transition(customer, booking.id, "cancel")
    assert ("la-coque", "salle-frioul") in search()


def test_closed_and_out_of_hours_spaces_are_not_offered(search, monday):
    # Carrefour de l'innovation closes at 19:30 on Mondays, the château at 22:00
    late = search(start=iso(paris(monday, 19)), end=iso(paris(monday, 21)))
    assert {site for site, _ in late} == {"chateau-des-baumes"}


def test_each_offer_carries_a_quote_with_and_without_vat(client, monday):
    window = {"start": iso(paris(monday, 10)), "end": iso(paris(monday, 14))}
    offers = client.get("/api/v1/availability", query_string=window).json
    for offer in offers:
        quote = offer["quote"]
        excl, vat, incl = (Decimal(quote[k]) for k in ("excl_vat", "vat", "incl_vat"))
        assert quote["currency"] == "EUR" and quote["vat_rate"] == "0.20"
        assert vat == (excl * Decimal("0.20")).quantize(Decimal("0.01")) and incl == excl + vat
    calanques = next(o for o in offers if o["space"]["slug"] == "salle-calanques")
    assert calanques["quote"]["excl_vat"] == "190.00"  # a half-day beats 4 h at 60


def test_offers_are_sorted_cheapest_first(client, monday):
    window = {"start": iso(paris(monday, 10)), "end": iso(paris(monday, 14))}
    prices = [Decimal(o["quote"]["excl_vat"]) for o in client.get("/api/v1/availability", query_string=window).json]
    assert prices == sorted(prices) and prices[0] < prices[-1]


def test_searching_needs_no_account_but_shows_the_space_in_full(client, monday):
    window = {"start": iso(paris(monday, 10)), "end": iso(paris(monday, 14)), "kind": "showroom"}
    [offer] = client.get("/api/v1/availability", query_string=window).json
    assert offer["space"]["area_m2"] == 426 and offer["space"]["rates"]["hour"] == "450.00"
