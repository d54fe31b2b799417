"""Booking through the API: create, conflicts, validation, lifecycle, reschedule, visibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from clock import PARIS, iso, last_sunday, paris

from booking.extensions import db
from booking.models import Booking, BookingEvent


def leg(site: str, space: str, day, start: int, end: int, attendees: int = 10) -> dict:
    return {
        "site": site,
        "space": space,
        "start": iso(paris(day, start)),
        "end": iso(paris(day, end)),
        "attendees": attendees,
    }


@pytest.fixture
def book(client, auth, customer, monday):
    """``book(**fields)`` posts a booking as ``customer`` (La Coque, Salle Calanques, Monday 10-12)."""

    def post(user=None, headers=None, **fields):
        body = {
            "site": "la-coque", "space": "salle-calanques", "title": "Kick-off", "attendees": 8,
            "start": iso(paris(monday, 10)), "end": iso(paris(monday, 12)),
        }  # fmt: skip
        body.update(fields)
        return client.post("/api/v1/bookings", json=body, headers=headers or auth(user or customer))

    return post


def count_bookings() -> int:
    return db.session.query(Booking).count()


def test_booking_returns_201_with_id_status_and_quote(book):
    response = book()
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "confirmed"
    assert body["quote"] == {
        "excl_vat": "120.00", "vat": "24.00", "incl_vat": "144.00",
        "vat_rate": "0.20", "currency": "EUR", "lines": [],
        "items": [{
            "kind": "space", "item": None, "label": "Salle Calanques", "quantity": 1, "per": "booking",
            "unit_price": "120.00", "excl_vat": "120.00", "vat_rate": "0.20", "vat": "24.00", "incl_vat": "144.00",
        }],
        "cancellation": None,  # Salle Calanques cancels free of charge
    }  # fmt: skip
    assert body["start"].endswith("+01:00") or body["start"].endswith("+02:00")
    assert response.headers["Location"] == f"/api/v1/bookings/{body['id']}"


def test_overlapping_booking_is_a_409_that_shows_only_when_the_space_is_busy(book, make_user, auth, monday):
    assert book().status_code == 201
    other = make_user("customer", org="rival")
    response = book(user=other, start=iso(paris(monday, 11)), end=iso(paris(monday, 13)), title="Secret")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.json["conflicts"] == [
        {"site": "la-coque", "space": "salle-calanques",
         "start": iso(paris(monday, 10)), "end": iso(paris(monday, 12, 15))}  # 15 min teardown
    ]  # fmt: skip
    assert "Kick-off" not in response.get_data(as_text=True)
    assert count_bookings() == 1


def test_a_taken_space_says_so_with_a_stable_code_beside_the_english(book, monday):
    book()
    response = book(start=iso(paris(monday, 11)), end=iso(paris(monday, 13)))
    assert response.json["code"] == "space_taken"
    assert response.json["params"] == {"site": "la-coque", "space": "salle-calanques"}
    assert response.json["detail"] == "la-coque/salle-calanques is already booked then"


def test_each_wrong_field_carries_its_code_and_parameters(book, monday):
    response = book(attendees=500)
    assert response.json["code"] == "invalid"
    (error,) = response.json["errors"]
    assert error["field"] == "attendees" and error["code"] == "over_capacity"
    assert error["params"]["people"] == 500 and error["params"]["capacity"] < 500


def test_teardown_buffer_blocks_the_next_booking(book, monday):
    assert book().status_code == 201
    # Salle Calanques needs 15 minutes of teardown after 12:00
    assert book(start=iso(paris(monday, 12)), end=iso(paris(monday, 13))).status_code == 409
    assert book(start=iso(paris(monday, 12, 15)), end=iso(paris(monday, 13))).status_code == 201


def test_back_to_back_bookings_without_buffers_are_fine(book, monday):
    # Salle Frioul has no buffers
    assert book(space="salle-frioul", start=iso(paris(monday, 9)), end=iso(paris(monday, 10))).status_code == 201
    assert book(space="salle-frioul", start=iso(paris(monday, 10)), end=iso(paris(monday, 11))).status_code == 201


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"start": "2026-12-07T10:00:00"}, "start", "UTC offset"),  # naive time
        ({"start": "next monday"}, "start", "ISO 8601"),  # not a time
        ({"end": "@START"}, "end", "after start"),  # zero duration
        ({"end": "@START-1h"}, "end", "after start"),  # end before start
        ({"end": "@START+10m"}, "end", "shorter than 30"),  # too short
        ({"start": "@DAY 07:00", "end": "@DAY 09:00"}, "start", "outside opening hours"),
        ({"start": "@DAY 08:00", "end": "@DAY 19:00"}, "end", "longer than 600"),
        ({"attendees": 30}, "attendees", "capacity of 24"),  # over the largest layout
        ({"attendees": 15, "layout": "boardroom"}, "attendees", "capacity of 14"),
        ({"attendees": 0}, "attendees", "greater than or equal to 1"),
        ({"attendees": "eight"}, "attendees", "Not a valid integer"),  # wrong type
        ({"attendees": True}, "attendees", "Not a valid integer"),  # booleans are not numbers
        ({"site": "atlantis"}, "site", "unknown site"),
        ({"space": "broom-cupboard"}, "space", "unknown space"),
        ({"layout": "cabaret"}, "layout", "unknown layout"),
        ({"title": ""}, "title", "Length"),
        ({"title": None}, "title", "Field may not be null"),
        ({"start": "@PAST"}, "start", "in the past"),
        ({"start": "@FAR", "end": "@FAR+2h"}, "start", "days ahead"),
        ({"rrule": "FREQ=WEEKLY"}, "rrule", "never ends"),  # unbounded series
        ({"rrule": "FREQ=DAILY;COUNT=1000"}, "rrule", "more than"),
        ({"rrule": "FREQ=NEVER"}, "rrule", "not a valid RRULE"),
        ({"surprise": 1}, "surprise", "Unknown field"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(book, monday, fields, field, words):
    start = paris(monday, 10)
    # @PAST is yesterday within opening hours, whatever the hour the suite runs: only "past" is wrong
    symbols = {
        "@START": start, "@START-1h": start - timedelta(hours=1), "@START+10m": start + timedelta(minutes=10),
        "@DAY 07:00": paris(monday, 7), "@DAY 09:00": paris(monday, 9), "@DAY 08:00": paris(monday, 8),
        "@DAY 19:00": paris(monday, 19), "@PAST": paris(datetime.now(PARIS).date() - timedelta(days=1), 10),
        "@FAR": paris(monday + timedelta(days=400), 10), "@FAR+2h": paris(monday + timedelta(days=400), 12),
    }  # fmt: skip
    if fields.get("start") in symbols and "end" not in fields:  # a symbolic start gets a one-hour booking
        fields["end"] = iso(symbols[fields["start"]] + timedelta(hours=1))
    fields = {k: iso(symbols[v]) if isinstance(v, str) and v in symbols else v for k, v in fields.items()}
    response = book(**fields)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    messages = [e["message"] for e in response.json["errors"] if e["field"] == field]
    assert any(words in message for message in messages), response.json["errors"]
    assert count_bookings() == 0


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("{not json", "application/json", 400),  # malformed JSON
        ("[]", "application/json", 422),  # wrong shape
        ("x" * 300_000, "application/json", 413),  # huge body
    ],
)
def test_malformed_or_huge_bodies_are_refused_cleanly(client, auth, customer, data, content_type, status):
    response = client.post("/api/v1/bookings", data=data, content_type=content_type, headers=auth(customer))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert count_bookings() == 0


def test_a_hold_expires_after_its_ttl_and_frees_the_space(book, app, monday):
    held = book(hold=True).json
    assert held["status"] == "hold" and held["hold_expires_at"]
    assert book().status_code == 409
    from booking.services.bookings import expire_holds

    assert expire_holds(now=datetime.now(UTC) + timedelta(minutes=app.config["HOLD_TTL_MINUTES"] + 1)) == 1
    assert db.session.get(Booking, held["id"]).status == "expired"
    assert book().status_code == 201


def test_a_lapsed_hold_no_longer_blocks_even_before_the_scheduler_runs(book, app, monday):
    held = book(hold=True).json
    booking = db.session.get(Booking, held["id"])
    booking.hold_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert book().status_code == 201
    assert db.session.get(Booking, held["id"]).status == "expired"


def test_confirming_a_hold(book, client, auth, customer):
    held = book(hold=True).json
    response = client.post(f"/api/v1/bookings/{held['id']}/confirm", json={}, headers=auth(customer))
    assert response.status_code == 200
    assert response.json["status"] == "confirmed" and response.json["hold_expires_at"] is None


def test_a_space_that_needs_approval_goes_pending_then_staff_approve(book, client, auth, customer, staff, monday):
    pending = book(space="showroom", attendees=100, start=iso(paris(monday, 10)), end=iso(paris(monday, 14))).json
    assert pending["status"] == "pending"
    url = f"/api/v1/bookings/{pending['id']}/approve"
    assert client.post(url, json={}, headers=auth(customer)).status_code == 403
    response = client.post(url, json={}, headers=auth(staff))
    assert response.status_code == 200 and response.json["status"] == "confirmed"


def test_staff_reject_a_pending_booking_with_a_reason(book, client, auth, staff, monday):
    pending = book(space="showroom", attendees=10, start=iso(paris(monday, 10)), end=iso(paris(monday, 14))).json
    response = client.post(
        f"/api/v1/bookings/{pending['id']}/reject", json={"reason": "private event"}, headers=auth(staff)
    )
    assert response.json["status"] == "rejected"
    events = client.get(f"/api/v1/bookings/{pending['id']}/events", headers=auth(staff)).json
    assert events[-1]["action"] == "reject" and events[-1]["detail"] == {"reason": "private event"}


def test_cancelling_frees_the_slot_and_cannot_happen_twice(book, client, auth, customer):
    booking = book().json
    url = f"/api/v1/bookings/{booking['id']}/cancel"
    assert client.post(url, json={}, headers=auth(customer)).json["status"] == "cancelled"
    again = client.post(url, json={}, headers=auth(customer))
    assert again.status_code == 409 and "cancelled" in again.json["detail"]
    assert book().status_code == 201


def test_every_change_is_in_the_audit_trail_with_who_and_when(book, client, auth, customer):
    booking = book(hold=True).json
    client.post(f"/api/v1/bookings/{booking['id']}/confirm", json={}, headers=auth(customer))
    client.post(f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=auth(customer))
    events = db.session.query(BookingEvent).filter_by(booking_id=booking["id"]).order_by(BookingEvent.id).all()
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("create", None, "hold"), ("confirm", "hold", "confirmed"), ("cancel", "confirmed", "cancelled"),
    ]  # fmt: skip
    assert all(e.actor_id == customer.id and e.at is not None for e in events)


def test_a_booking_lands_with_its_audit_row_and_its_webhook_event(book, client, auth, customer, monday):
    from booking.models import OutboxEvent

    headers = auth(customer)
    first = book(headers=headers).json
    second = book(headers=headers, start=iso(paris(monday, 14)), end=iso(paris(monday, 16))).json  # caller cached
    for booking in (first, second):
        events = db.session.query(BookingEvent).filter_by(booking_id=booking["id"]).all()
        assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in events] == [
            ("create", None, "confirmed", customer.id)
        ]
        assert events[0].detail["start"] == paris(monday, 10 if booking is first else 14).astimezone(UTC).isoformat()
        told = [o for o in db.session.query(OutboxEvent).all() if o.payload["booking"]["id"] == booking["id"]]
        assert [(o.kind, o.organisation_id, o.payload["to_status"]) for o in told] == [
            ("booking.create", customer.organisation_id, "confirmed")
        ]
        assert told[0].payload["booking"] | {"checked_in_at": None} == {
            key: booking[key] for key in ("id", "status", "site", "space", "organisation", "title", "attendees")
        } | {"start": booking["start"], "end": booking["end"], "checked_in_at": None, "version": 1} | {
            "services": [], "online_attendees": 0, "streaming_link": None, "cancellation_fee": None,
        }  # a room alone: no services, nobody online, nothing to pay back
    shown = client.get(f"/api/v1/bookings/{second['id']}", headers=headers)
    assert shown.json == second and shown.headers["ETag"] == '"1"'


# --- reschedule with If-Match -----------------------------------------------------------


def test_reschedule_needs_if_match(book, client, auth, customer, monday):
    booking = book().json
    response = client.patch(f"/api/v1/bookings/{booking['id']}", json={"attendees": 5}, headers=auth(customer))
    assert response.status_code == 428


def test_two_editors_cannot_silently_overwrite_each_other(book, client, auth, customer, staff, monday):
    booking = book().json
    etag = client.get(f"/api/v1/bookings/{booking['id']}", headers=auth(customer)).headers["ETag"]
    first = client.patch(
        f"/api/v1/bookings/{booking['id']}",
        json={"end": iso(paris(monday, 13))},
        headers={**auth(staff), "If-Match": etag},
    )
    assert first.status_code == 200 and first.json["end"] == iso(paris(monday, 13))
    assert first.json["quote"]["excl_vat"] == "180.00"  # 3 h at 60 beat a half-day at 190
    second = client.patch(
        f"/api/v1/bookings/{booking['id']}", json={"attendees": 3}, headers={**auth(customer), "If-Match": etag}
    )
    assert second.status_code == 412
    assert db.session.get(Booking, booking["id"]).attendees == 8


def test_reschedule_into_a_taken_slot_is_a_409_and_changes_nothing(book, client, auth, customer, monday):
    first = book().json
    second = book(start=iso(paris(monday, 14)), end=iso(paris(monday, 15))).json
    response = client.patch(
        f"/api/v1/bookings/{second['id']}", json={"start": iso(paris(monday, 11))},
        headers={**auth(customer), "If-Match": f'"{second["version"]}"'},
    )  # fmt: skip
    assert response.status_code == 409
    assert db.session.get(Booking, second["id"]).start_at == paris(monday, 14)
    assert first["id"] != second["id"]


# --- time zones ---------------------------------------------------------------------------


@pytest.mark.parametrize("month", [3, 10])
def test_nine_oclock_on_a_dst_change_day_is_stored_and_shown_right(client, auth, customer, make_space, month):
    make_space("open-sunday")
    year = datetime.now(PARIS).year + 1
    sunday = last_sunday(year, month)
    start = paris(sunday, 9)
    response = client.post(
        "/api/v1/bookings",
        json={"site": "la-coque", "space": "open-sunday", "title": "DST", "attendees": 2,
              "start": iso(start), "end": iso(paris(sunday, 11))},
        headers=auth(customer),
    )  # fmt: skip
    if response.status_code == 422 and "days ahead" in response.get_data(as_text=True):
        pytest.fail("DST day beyond the booking horizon: widen max_days_ahead in make_space")
    assert response.status_code == 201, response.json
    assert response.json["start"] == iso(start)
    stored = db.session.get(Booking, response.json["id"]).start_at
    assert stored == start.astimezone(UTC)
    assert stored.hour == (7 if month == 3 else 8)  # 09:00 CEST is 07:00 UTC, CET 08:00 UTC


def test_a_weekly_series_crossing_dst_keeps_its_local_time(client, auth, customer, make_space):
    make_space("open-sunday", max_days_ahead=730)
    year = datetime.now(PARIS).year + 1
    first = paris(last_sunday(year, 10) - timedelta(days=13), 9)
    response = client.post(
        "/api/v1/bookings",
        json={"site": "la-coque", "space": "open-sunday", "title": "Weekly", "attendees": 2,
              "start": iso(first), "end": iso(first + timedelta(hours=1)), "rrule": "FREQ=WEEKLY;COUNT=4"},
        headers=auth(customer),
    )  # fmt: skip
    assert response.status_code == 201, response.json
    starts = [datetime.fromisoformat(o["start"]) for o in response.json["series"]["occurrences"]]
    assert [(s.hour, s.minute) for s in starts] == [(9, 0)] * 4
    assert {s.utcoffset() for s in starts} == {timedelta(hours=2), timedelta(hours=1)}


# --- series and roadshows -------------------------------------------------------------------


def test_series_all_or_nothing_books_nothing_and_lists_the_conflicting_dates(book, monday):
    book(start=iso(paris(monday + timedelta(weeks=1), 10)), end=iso(paris(monday + timedelta(weeks=1), 11)))
    response = book(rrule="FREQ=WEEKLY;COUNT=3")
    assert response.status_code == 409
    assert [c["date"] for c in response.json["conflicts"]] == [(monday + timedelta(weeks=1)).isoformat()]
    assert count_bookings() == 1


def test_series_skip_conflicts_books_the_rest_and_says_which_dates_were_skipped(book, monday):
    book(start=iso(paris(monday + timedelta(weeks=1), 10)), end=iso(paris(monday + timedelta(weeks=1), 11)))
    response = book(rrule="FREQ=WEEKLY;COUNT=3", conflicts="skip")
    assert response.status_code == 201
    series = response.json["series"]
    assert len(series["occurrences"]) == 2
    assert [s["date"] for s in series["skipped"]] == [(monday + timedelta(weeks=1)).isoformat()]
    assert series["skipped"][0]["reason"] == "already booked"
    assert series["skipped"][0]["problems"] == [{"field": "start", "message": "already booked", "code": "taken"}]
    assert series["quote"]["excl_vat"] == "240.00"
    assert count_bookings() == 3


def test_roadshow_books_every_leg_across_sites(client, auth, customer, monday):
    tuesday = monday + timedelta(days=1)
    response = client.post(
        "/api/v1/roadshows",
        json={"title": "Tour de Provence", "legs": [
            leg("la-coque", "salle-calanques", monday, 10, 12),
            leg("carrefour-innovation", "salle-mirabeau", tuesday, 10, 12),
        ]},
        headers=auth(customer),
    )  # fmt: skip
    assert response.status_code == 201, response.json
    assert [b["site"] for b in response.json["bookings"]] == ["la-coque", "carrefour-innovation"]
    assert response.json["quote"]["excl_vat"] == "210.00"


def test_roadshow_with_one_taken_leg_books_nothing(book, client, auth, customer, monday):
    tuesday = monday + timedelta(days=1)
    book(
        site="carrefour-innovation", space="salle-mirabeau", start=iso(paris(tuesday, 11)), end=iso(paris(tuesday, 12))
    )
    response = client.post(
        "/api/v1/roadshows",
        json={"title": "Tour", "legs": [
            leg("la-coque", "salle-calanques", monday, 10, 12),
            leg("carrefour-innovation", "salle-mirabeau", tuesday, 10, 12),
        ]},
        headers=auth(customer),
    )  # fmt: skip
    assert response.status_code == 409
    assert {c["leg"] for c in response.json["conflicts"]} == {1}
    assert count_bookings() == 1


# --- visibility ----------------------------------------------------------------------------


def test_a_company_sees_others_bookings_only_as_busy_blocks(book, client, auth, make_user, monday):
    mine = book().json
    rival = make_user("customer", org="rival")
    window = {"start": iso(paris(monday, 0)), "end": iso(paris(monday, 23))}
    calendar = client.get("/api/v1/sites/la-coque/bookings", query_string=window, headers=auth(rival)).json
    assert calendar == [{"space": "salle-calanques", "start": mine["start"], "end": mine["end"], "busy": True}]
    assert client.get(f"/api/v1/bookings/{mine['id']}", headers=auth(rival)).status_code == 404
    assert client.get("/api/v1/bookings", headers=auth(rival)).json == []
    cancel = client.post(f"/api/v1/bookings/{mine['id']}/cancel", json={}, headers=auth(rival))
    assert cancel.status_code == 404
    assert db.session.get(Booking, mine["id"]).status == "confirmed"


def test_staff_see_every_booking_in_full(book, client, auth, staff, monday):
    mine = book().json
    window = {"start": iso(paris(monday, 0)), "end": iso(paris(monday, 23))}
    calendar = client.get("/api/v1/sites/la-coque/bookings", query_string=window, headers=auth(staff)).json
    assert calendar[0]["title"] == "Kick-off" and calendar[0]["organisation"] == "acme"
    assert client.get(f"/api/v1/bookings/{mine['id']}", headers=auth(staff)).status_code == 200
