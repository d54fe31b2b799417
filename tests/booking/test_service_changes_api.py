"""Changing what a booking carries after booking: its services and its people online, by PATCH.

Checked as a new booking's services are (the site's items, the streaming package, the stock of
kits), priced again, in the audit trail before and after, told by mail with a newer invitation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from clock import iso, paris
from icalendar import Calendar

from booking.extensions import db
from booking.models import Booking, ServiceItem
from booking.services import bookings, mail

LUNCH_40 = {"item": "dejeuner", "quantity": 40}
TECHNICIAN_8H = {"item": "technicien", "quantity": 8}
STREAMING = {"item": "streaming", "quantity": 1}
COFFEE_40 = {"item": "pause-cafe", "quantity": 40}


@pytest.fixture
def seminar(client, auth, customer, monday):
    """``seminar(**fields)`` -> a day seminar at the Château (lunch, technician, streaming, 25 online), as booked."""

    def book(user=None, **fields) -> dict:
        body = {
            "site": "chateau-des-baumes", "space": "salle-etang", "title": "Séminaire", "attendees": 40,
            "online_attendees": 25, "start": iso(paris(monday, 9)), "end": iso(paris(monday, 17)),
            "services": [LUNCH_40, TECHNICIAN_8H, STREAMING], "streaming_link": "https://live.example.com/s",
        } | fields  # fmt: skip
        response = client.post("/api/v1/bookings", json=body, headers=auth(user or customer))
        assert response.status_code == 201, response.json
        return response.json

    return book


@pytest.fixture
def patch(client, auth, customer):
    """``patch(booking, body, user=None, version=None)`` -> the response to PATCH with the booking's ETag."""

    def send(booking: dict, body: dict, user=None, version: int | None = None):
        headers = {**auth(user or customer), "If-Match": f'"{version or booking["version"]}"'}
        return client.patch(f"/api/v1/bookings/{booking['id']}", json=body, headers=headers)

    return send


def kits_at(client, auth, customer, monday, space: str, quantity: int, start: int = 10, end: int = 12) -> dict:
    body = {
        "site": "la-coque", "space": space, "title": "Tournage", "attendees": 4,
        "start": iso(paris(monday, start)), "end": iso(paris(monday, end)),
        "services": [{"item": "kit-camera-mobile", "quantity": quantity}] if quantity else [],
    }  # fmt: skip
    response = client.post("/api/v1/bookings", json=body, headers=auth(customer))
    assert response.status_code == 201, response.json
    return response.json


def lines(booking: dict) -> list[tuple]:
    return [(i["item"], i["quantity"], i["excl_vat"]) for i in booking["quote"]["items"]]


def test_a_company_changes_its_services_and_the_quote_follows(client, auth, customer, seminar, patch):
    booked = seminar()

    changed = patch(booked, {"services": [{"item": "dejeuner", "quantity": 30}, STREAMING, COFFEE_40]})

    assert changed.status_code == 200, changed.json
    # by hand: the room 520 (VAT 104), 30 lunches at 32 = 960 (10%: 96), streaming 550 (110),
    # 40 coffee breaks at 6.50 = 260 (10%: 26)
    assert lines(changed.json) == [
        (None, 1, "520.00"), ("dejeuner", 30, "960.00"), ("streaming", 1, "550.00"), ("pause-cafe", 40, "260.00"),
    ]  # fmt: skip
    quote = changed.json["quote"]
    assert (quote["excl_vat"], quote["vat"], quote["incl_vat"]) == ("2290.00", "336.00", "2626.00")
    assert quote["cancellation"]["fee"] == "687.00"  # 30% of 2290
    assert changed.json["version"] == booked["version"] + 1
    assert changed.headers["ETag"] == f'"{booked["version"] + 1}"'
    again = client.get(f"/api/v1/bookings/{booked['id']}", headers=auth(customer)).json
    assert again["quote"] == quote
    assert [(s["item"], s["quantity"]) for s in again["services"]] == [
        ("dejeuner", 30), ("streaming", 1), ("pause-cafe", 40),
    ]  # fmt: skip


def test_the_audit_trail_says_what_the_services_were_and_became(client, auth, customer, seminar, patch):
    booked = seminar()

    patch(booked, {"services": [LUNCH_40, STREAMING], "online_attendees": 60})

    events = client.get(f"/api/v1/bookings/{booked['id']}/events", headers=auth(customer)).json
    assert events[-1]["action"] == "reschedule"
    assert events[-1]["actor"] == customer.email
    assert events[-1]["detail"] == {
        "services": {"from": [LUNCH_40, TECHNICIAN_8H, STREAMING], "to": [LUNCH_40, STREAMING]},
        "online_attendees": {"from": 25, "to": 60},
        "excl_vat": {"from": "2870.00", "to": "2350.00"},  # eight technician hours at 65 fewer
    }


def test_services_it_keeps_stay_at_the_price_agreed_new_ones_are_at_todays(seminar, patch):
    booked = seminar()
    for item in db.session.query(ServiceItem).filter(ServiceItem.slug.in_(["dejeuner", "pause-cafe"])):
        item.price_excl_vat += Decimal("10")  # the venue's prices go up after the booking
    db.session.commit()

    changed = patch(booked, {"services": [{"item": "dejeuner", "quantity": 20}, STREAMING, COFFEE_40]}).json

    assert lines(changed)[1:] == [
        ("dejeuner", 20, "640.00"),  # 32 as agreed, not 42
        ("streaming", 1, "550.00"),
        ("pause-cafe", 40, "660.00"),  # 16.50 today
    ]


def test_the_same_services_in_another_order_change_nothing_and_write_nothing(seminar, patch):
    booked = seminar()

    changed = patch(booked, {"title": booked["title"], "services": [STREAMING, TECHNICIAN_8H, LUNCH_40]}).json

    assert [line[0] for line in lines(changed)] == [None, "dejeuner", "technicien", "streaming"]
    assert changed["version"] == booked["version"]
    # no empty audit row, so no event for the webhooks and no mail either
    assert [event.action for event in db.session.get(Booking, booked["id"]).events] == ["create"]


def test_people_online_alone_can_change_and_the_version_rises(seminar, patch):
    booked = seminar()

    changed = patch(booked, {"online_attendees": 80})

    assert changed.status_code == 200, changed.json
    assert (changed.json["online_attendees"], changed.json["version"]) == (80, booked["version"] + 1)
    assert changed.json["quote"] == booked["quote"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"services": [{"item": "kit-camera-mobile", "quantity": 1}]}, "services[0].item", "unknown_service"),
        ({"services": [LUNCH_40, TECHNICIAN_8H]}, "online_attendees", "streaming_needed"),
        ({"services": [LUNCH_40, {"item": "streaming", "quantity": 2}]}, "services[1].quantity", "once_per_booking"),
        ({"services": [LUNCH_40, LUNCH_40, STREAMING]}, "services[1].item", "service_repeated"),
    ],
)
def test_services_the_booking_cannot_carry_are_a_422_and_nothing_changes(seminar, patch, body, field, code):
    booked = seminar()  # a kit of La Coque is unknown at the Château

    response = patch(booked, body)

    assert response.status_code == 422, response.json
    assert (field, code) in [(e["field"], e["code"]) for e in response.json["errors"]]
    booking = db.session.get(Booking, booked["id"])
    assert ([line.item.slug for line in booking.services], booking.version) == (
        ["dejeuner", "technicien", "streaming"], booked["version"],
    )  # fmt: skip


def test_people_online_in_a_space_without_streaming_is_a_422(seminar, patch):
    booked = seminar(space="salle-crau", services=[LUNCH_40], online_attendees=0, streaming_link=None)

    response = patch(booked, {"online_attendees": 10})

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json["errors"]] == [("online_attendees", "no_streaming_here")]


def test_a_kit_added_when_none_is_left_then_is_a_409_naming_it(client, auth, customer, patch, monday):
    kits_at(client, auth, customer, monday, "salle-calanques", 2)
    later = kits_at(client, auth, customer, monday, "salle-frioul", 0, 11, 12)

    refused = patch(later, {"services": [{"item": "kit-camera-mobile", "quantity": 1}]})

    assert refused.status_code == 409
    assert refused.json["code"] == "out_of_stock"
    assert refused.json["params"] == {
        "item": "kit-camera-mobile", "name": "Kit caméra mobile", "site": "la-coque", "asked": 1, "left": 0,
    }
    assert db.session.get(Booking, later["id"]).services == []


def test_a_booking_s_own_kits_do_not_count_against_it(client, auth, customer, patch, monday):
    first = kits_at(client, auth, customer, monday, "salle-calanques", 1)
    kits_at(client, auth, customer, monday, "salle-frioul", 1, 14, 15)  # the other kit, later that day

    more = patch(first, {"services": [{"item": "kit-camera-mobile", "quantity": 2}]})
    assert more.status_code == 200, more.json

    too_many = patch(more.json, {"services": [{"item": "kit-camera-mobile", "quantity": 3}]})
    assert too_many.status_code == 409
    assert too_many.json["params"] == {
        "item": "kit-camera-mobile", "name": "Kit caméra mobile", "site": "la-coque", "asked": 3, "left": 2,
    }


def test_a_move_with_new_kits_is_checked_at_the_new_time(client, auth, customer, patch, monday):
    kits_at(client, auth, customer, monday, "salle-calanques", 2, 14, 16)
    booked = kits_at(client, auth, customer, monday, "salle-frioul", 0)
    kit = [{"item": "kit-camera-mobile", "quantity": 1}]

    refused = patch(booked, {"start": iso(paris(monday, 14)), "end": iso(paris(monday, 15)), "services": kit})
    assert (refused.status_code, refused.json["code"]) == (409, "out_of_stock")

    moved = patch(booked, {"start": iso(paris(monday, 8)), "end": iso(paris(monday, 9)), "services": kit})
    assert moved.status_code == 200, moved.json


def test_an_edit_made_with_an_older_etag_is_a_412(seminar, patch):
    booked = seminar()
    assert patch(booked, {"online_attendees": 30}).status_code == 200

    stale = patch(booked, {"services": [LUNCH_40, STREAMING]})

    assert stale.status_code == 412
    assert len(db.session.get(Booking, booked["id"]).services) == 3


def test_a_cancelled_booking_keeps_its_services(customer, seminar, patch):
    booked = seminar()
    cancelled = bookings.transition(customer, booked["id"], "cancel", now=datetime.now(UTC))

    refused = patch(booked, {"services": [LUNCH_40, STREAMING]}, version=cancelled.version)

    assert (refused.status_code, refused.json["code"]) == (409, "wrong_status")


def test_a_booking_that_took_place_keeps_its_services(customer, patch, monday):
    day = monday - timedelta(weeks=3)
    while day.month == 12 and day.day >= 24 or day.month == 1 and day.day <= 2:  # the Château is closed then
        day -= timedelta(weeks=1)
    start = paris(day, 9)
    req = bookings.BookingRequest(
        "chateau-des-baumes", "salle-etang", start, start + timedelta(hours=8), "Passé", 40,
        services=(("dejeuner", 40),),
    )
    past = bookings.book(customer, req, now=start - timedelta(days=1))

    refused = patch({"id": past.id, "version": past.version}, {"services": []})

    assert (refused.status_code, refused.json["code"]) == (409, "already_took_place")


def test_only_the_booking_s_company_and_staff_change_its_services(seminar, patch, make_user, staff):
    booked = seminar()
    rival = make_user("customer", org="rival")
    colleague = make_user("customer", org="acme")

    assert patch(booked, {"services": []}, user=rival).status_code == 404
    by_colleague = patch(booked, {"services": [LUNCH_40, STREAMING]}, user=colleague)
    assert by_colleague.status_code == 200
    by_staff = patch(by_colleague.json, {"services": [STREAMING]}, user=staff)
    assert by_staff.status_code == 200
    assert [e.actor_id for e in db.session.get(Booking, booked["id"]).events][-2:] == [colleague.id, staff.id]


def test_cancelling_after_a_change_costs_the_new_price_s_fee(customer, seminar, patch, monday):
    booked = seminar()
    patch(booked, {"services": [STREAMING]})  # the room 520 and streaming 550

    cancelled = bookings.transition(customer, booked["id"], "cancel", now=paris(monday, 9) - timedelta(days=3))

    assert cancelled.cancellation_fee == Decimal("321.00")  # 30% of 1070


def test_the_booker_is_told_of_the_change_with_a_newer_invitation(smtp, customer, seminar, patch):
    booked = seminar()
    mail.deliver_due(datetime.now(UTC))

    patch(booked, {"services": [{"item": "dejeuner", "quantity": 30}, STREAMING]})
    mail.deliver_due(datetime.now(UTC))

    first, changed = (received.message for received in smtp.to(customer.email))
    assert changed["Subject"] == "Réservation modifiée : Séminaire"
    assert "Déjeuner buffet × 30" in changed.get_body(("plain",)).get_content()

    def sequence(message) -> int:
        (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
        return event["SEQUENCE"]

    assert sequence(changed) > sequence(first)


def test_a_series_changes_its_services_from_a_date_on(client, auth, customer, patch, monday):
    body = {
        "site": "chateau-des-baumes", "space": "salle-etang", "title": "Comité", "attendees": 12,
        "start": iso(paris(monday, 9)), "end": iso(paris(monday, 12)), "rrule": "FREQ=DAILY;COUNT=3",
        "services": [{"item": "pause-cafe", "quantity": 12}],
    }  # fmt: skip
    booked = client.post("/api/v1/bookings", json=body, headers=auth(customer))  # Monday to Wednesday
    assert booked.status_code == 201, booked.json
    dates = booked.json["series"]["occurrences"]

    changed = patch(dates[1], {"scope": "following", "services": [{"item": "pause-cafe", "quantity": 20}]})

    assert changed.status_code == 200, changed.json
    quantities = [db.session.get(Booking, d["id"]).services[0].quantity for d in dates]
    assert quantities == [12, 20, 20]

