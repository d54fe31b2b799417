"""Services through the API: itemised quotes, kits in stock, hybrid events, cancellation fees, privacy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import iso, paris

from booking.extensions import db
from booking.models import Booking
from booking.services import bookings

LUNCH_40 = {"item": "dejeuner", "quantity": 40}
TECHNICIAN_8H = {"item": "technicien", "quantity": 8}
STREAMING = {"item": "streaming", "quantity": 1}
LINK = "https://live.example.com/seminaire-acme"


@pytest.fixture
def post(client, auth, customer):
    """``post(body, user=None)`` -> the response to POST /api/v1/bookings."""

    def send(body: dict, user=None, path: str = "/api/v1/bookings"):
        return client.post(path, json=body, headers=auth(user or customer))

    return send


@pytest.fixture
def seminar(monday):
    """A day seminar at the Château for 40 on site and 25 online, with lunch, a technician and streaming."""

    def body(**fields) -> dict:
        return {
            "site": "chateau-des-baumes", "space": "salle-etang", "title": "Séminaire", "attendees": 40,
            "online_attendees": 25, "start": iso(paris(monday, 9)), "end": iso(paris(monday, 17)),
            "services": [LUNCH_40, TECHNICIAN_8H, STREAMING], "streaming_link": LINK,
        } | fields  # fmt: skip

    return body


def kit_at(space: str, monday, start: int, end: int, quantity: int = 1, **fields) -> dict:
    return {
        "site": "la-coque", "space": space, "title": "Tournage", "attendees": 4,
        "start": iso(paris(monday, start)), "end": iso(paris(monday, end)),
        "services": [{"item": "kit-camera-mobile", "quantity": quantity}],
    } | fields  # fmt: skip


def test_a_seminar_with_lunch_for_40_a_technician_and_streaming_is_quoted_line_by_line(post, seminar, monday):
    response = post(seminar())

    assert response.status_code == 201, response.json
    quote = response.json["quote"]
    # by hand: a day of the room 520 (20%), 40 lunches at 32 (10%), 8 technician hours at 65 (20%), streaming 550 (20%)
    rows = [(i["item"], i["quantity"], i["excl_vat"], i["vat_rate"], i["vat"], i["incl_vat"]) for i in quote["items"]]
    assert rows == [
        (None, 1, "520.00", "0.20", "104.00", "624.00"),
        ("dejeuner", 40, "1280.00", "0.10", "128.00", "1408.00"),
        ("technicien", 8, "520.00", "0.20", "104.00", "624.00"),
        ("streaming", 1, "550.00", "0.20", "110.00", "660.00"),
    ]  # fmt: skip
    assert (quote["excl_vat"], quote["vat"], quote["incl_vat"]) == ("2870.00", "446.00", "3316.00")
    # the Salle de l'Étang: free until 14 days before, then 30% of 2870
    assert quote["cancellation"] == {
        "free_until": iso(paris(monday - timedelta(days=14), 9)), "fee_percent": 30, "fee": "861.00",
    }  # fmt: skip
    assert [(s["item"], s["quantity"]) for s in response.json["services"]] == [
        ("dejeuner", 40), ("technicien", 8), ("streaming", 1),
    ]  # fmt: skip
    assert response.json["online_attendees"] == 25
    assert response.json["streaming_link"] == LINK


def test_the_booking_and_its_audit_trail_keep_the_services(client, auth, customer, post, seminar):
    created = post(seminar()).json

    again = client.get(f"/api/v1/bookings/{created['id']}", headers=auth(customer)).json
    events = client.get(f"/api/v1/bookings/{created['id']}/events", headers=auth(customer)).json

    assert again["quote"] == created["quote"]
    assert events[0]["action"] == "create"
    assert events[0]["detail"]["services"] == [
        {"item": "dejeuner", "quantity": 40},
        {"item": "technicien", "quantity": 8},
        {"item": "streaming", "quantity": 1},
    ]
    assert events[0]["detail"]["online_attendees"] == 25


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"services": [{"item": "champagne", "quantity": 1}]}, "services[0].item", "unknown_service"),
        ({"space": "salle-crau", "online_attendees": 0}, "services[2].item", "service_not_here"),
        ({"space": "salle-crau", "services": []}, "online_attendees", "no_streaming_here"),
        ({"services": [LUNCH_40]}, "online_attendees", "streaming_needed"),
        ({"services": [LUNCH_40, {"item": "streaming", "quantity": 3}]}, "services[1].quantity", "once_per_booking"),
    ],
)
def test_services_the_space_cannot_carry_are_a_422_naming_the_field(post, seminar, fields, field, code):
    response = post(seminar(**fields))

    assert response.status_code == 422, response.json
    assert (field, code) in [(e["field"], e["code"]) for e in response.json["errors"]]
    assert db.session.query(Booking).count() == 0


def test_availability_says_how_many_kits_are_left_for_the_window(client, post, monday):
    assert post(kit_at("salle-calanques", monday, 10, 12)).status_code == 201

    def kits_left(start: int, end: int) -> int:
        params = {"site": "la-coque", "start": iso(paris(monday, start)), "end": iso(paris(monday, end))}
        offers = client.get("/api/v1/availability", query_string=params).json
        frioul = next(o for o in offers if o["space"]["slug"] == "salle-frioul")
        return next(s["left"] for s in frioul["services"] if s["item"] == "kit-camera-mobile")

    assert kits_left(11, 13) == 1  # one of the two is out from 10 to 12 (Calanques has 15 minutes of teardown)
    assert kits_left(13, 14) == 2


def test_the_last_kit_goes_once_and_the_next_request_gets_a_409_naming_it(post, make_user, monday):
    assert post(kit_at("salle-calanques", monday, 10, 12, quantity=2)).status_code == 201

    rival = make_user("customer", org="rival")
    response = post(kit_at("salle-frioul", monday, 11, 12), user=rival)

    assert response.status_code == 409
    assert response.json["code"] == "out_of_stock"
    assert response.json["params"] == {
        "item": "kit-camera-mobile", "name": "Kit caméra mobile", "site": "la-coque", "asked": 1, "left": 0,
    }
    assert post(kit_at("salle-frioul", monday, 13, 14), user=rival).status_code == 201  # handed back by then


@pytest.mark.parametrize("ending", ["cancel", "release", "expire"])
def test_cancellation_release_and_expiry_give_the_kits_back(post, customer, staff, monday, ending):
    first = post(kit_at("salle-calanques", monday, 10, 12, quantity=2, hold=ending == "expire")).json
    if ending == "expire":
        bookings.expire_holds(now=paris(monday, 8))  # past the hold's TTL
    else:
        bookings.transition(staff if ending == "release" else customer, first["id"], ending, now=paris(monday, 10, 30))

    assert post(kit_at("salle-frioul", monday, 11, 12, quantity=2)).status_code == 201


def test_moving_a_booking_onto_a_time_when_its_kits_are_all_out_is_a_409(client, auth, customer, post, monday):
    assert post(kit_at("salle-calanques", monday, 10, 12, quantity=2)).status_code == 201
    later = post(kit_at("salle-frioul", monday, 14, 15)).json

    moved = client.patch(
        f"/api/v1/bookings/{later['id']}", json={"start": iso(paris(monday, 11)), "end": iso(paris(monday, 12))},
        headers={**auth(customer), "If-Match": f'"{later["version"]}"'},
    )  # fmt: skip

    assert moved.status_code == 409
    assert moved.json["code"] == "out_of_stock"


def test_a_roadshow_with_services_books_all_legs_and_all_services_or_none(post, monday):
    legs = [kit_at("salle-calanques", monday, 10, 12, quantity=2), kit_at("salle-frioul", monday, 11, 12)]
    for leg in legs:
        del leg["title"]

    refused = post({"title": "Tournée", "legs": legs}, path="/api/v1/roadshows")

    assert refused.status_code == 409
    assert (refused.json["code"], refused.json["params"]["item"], refused.json["params"]["leg"]) == (
        "out_of_stock", "kit-camera-mobile", 1,
    )  # fmt: skip
    assert db.session.query(Booking).count() == 0

    legs[1]["start"], legs[1]["end"] = iso(paris(monday, 13)), iso(paris(monday, 14))
    booked = post({"title": "Tournée", "legs": legs}, path="/api/v1/roadshows")

    assert booked.status_code == 201, booked.json
    assert [[s["quantity"] for s in b["services"]] for b in booked.json["bookings"]] == [[2], [1]]
    assert booked.json["quote"]["excl_vat"] == "520.00"  # 2 h of Calanques 120, 1 h of Frioul 40, 3 kits at 120


def test_a_company_never_sees_another_companys_services_link_or_fee(client, auth, post, seminar, make_user, monday):
    created = post(seminar()).json
    rival = auth(make_user("customer", org="rival"))

    assert client.get(f"/api/v1/bookings/{created['id']}", headers=rival).status_code == 404
    assert client.get(f"/api/v1/bookings/{created['id']}/events", headers=rival).status_code == 404
    assert client.get("/api/v1/bookings", headers=rival).json == []
    clash = client.post("/api/v1/bookings", json=seminar(title="Rival", services=[], online_attendees=0), headers=rival)
    assert clash.status_code == 409
    assert LINK not in clash.get_data(as_text=True) and "dejeuner" not in clash.get_data(as_text=True)


def test_cancelling_records_the_fee_its_policy_asks(client, auth, customer, post, seminar, monday):
    created = post(seminar()).json

    bookings.transition(customer, created["id"], "cancel", now=paris(monday, 9) - timedelta(days=3))

    cancelled = client.get(f"/api/v1/bookings/{created['id']}", headers=auth(customer)).json
    events = client.get(f"/api/v1/bookings/{created['id']}/events", headers=auth(customer)).json
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancellation_fee"] == "861.00"  # 30% of 2870.00, three days before
    assert events[-1]["detail"] == {"fee": "861.00"}


def test_cancelling_within_the_free_period_costs_nothing(customer, seminar, monday):
    start = paris(monday, 9)
    request = bookings.BookingRequest(
        "chateau-des-baumes", "salle-etang", start, paris(monday, 17), "Séminaire", 40, services=(("dejeuner", 40),)
    )
    early = start - timedelta(days=20)
    booking = bookings.book(customer, request, now=early)

    cancelled = bookings.transition(customer, booking.id, "cancel", now=early + timedelta(days=1))

    assert cancelled.cancellation_fee == 0
