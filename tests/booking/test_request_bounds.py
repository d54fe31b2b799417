"""What the API refuses before doing any work: dates outside its years, windows no booking could fill,
JSON nested too deep. Each is a 4xx naming the field, never a 500."""

from __future__ import annotations

import pytest
from clock import iso, paris

from booking.api.limits import MAX_JSON_DEPTH, json_depth_exceeds

FAR_PAST = "0001-01-01T00:00:00+01:00"
FAR_FUTURE = "9999-12-31T23:00:00+01:00"
BOUNDS = "must be between 2000-01-01 and 2199-12-31"


def leg(monday, **overrides) -> dict:
    body = {
        "site": "la-coque", "space": "salle-calanques", "start": iso(paris(monday, 10)),
        "end": iso(paris(monday, 12)), "attendees": 4,
    }  # fmt: skip
    body.update(overrides)
    return body


@pytest.fixture
def booked(client, auth, customer, monday) -> tuple[int, str]:
    """A booking of the customer's, and its ETag."""
    response = client.post("/api/v1/bookings", json=leg(monday, title="Kick-off"), headers=auth(customer))
    assert response.status_code == 201, response.json
    return response.json["id"], response.headers["ETag"]


def field_errors(response) -> list[str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    return [error["field"] for error in response.json["errors"]]


def dated_request(name: str, monday, moment: str) -> tuple[str, str, dict, str]:
    """(method, URL, client arguments, the field named) of a request carrying ``moment``."""
    ten = iso(paris(monday, 10))
    return {
        # availability, anonymous: an end near year 9999 overflowed when widened by a buffer
        "availability": ("get", "/api/v1/availability", {"query_string": {"start": ten, "end": moment}}, "end"),
        # a booking, a waitlist entry, a roadshow leg
        "booking": ("post", "/api/v1/bookings", {"json": leg(monday, title="T", start=moment)}, "start"),
        "waitlist": ("post", "/api/v1/waitlist", {"json": leg(monday, title="T", end=moment)}, "end"),
        "roadshow": (
            "post", "/api/v1/roadshows", {"json": {"title": "T", "legs": [leg(monday, start=moment)]}}, "legs[0].start"
        ),
        # staff's list of bookings, a site's calendar
        "bookings-list": ("get", "/api/v1/bookings", {"query_string": {"start": moment}}, "start"),
        "site-calendar": (
            "get", "/api/v1/sites/la-coque/bookings", {"query_string": {"start": moment, "end": ten}}, "start"
        ),
        # utilization takes calendar days
        "utilization": (
            "get", "/api/v1/utilization", {"query_string": {"start": moment[:10], "end": moment[:10]}}, "start"
        ),
    }[name]  # fmt: skip


@pytest.mark.parametrize("moment", [FAR_PAST, FAR_FUTURE])
@pytest.mark.parametrize(
    "name", ["availability", "booking", "waitlist", "roadshow", "bookings-list", "site-calendar", "utilization"]
)
def test_a_date_outside_the_apis_years_is_a_422_naming_the_field(client, auth, staff, monday, name, moment):
    method, url, kwargs, field = dated_request(name, monday, moment)
    response = getattr(client, method)(url, headers=auth(staff), **kwargs)
    assert field in field_errors(response)
    assert BOUNDS in response.json["detail"]


@pytest.mark.parametrize("moment", [FAR_PAST, FAR_FUTURE])
def test_a_reschedule_outside_the_apis_years_is_a_422_naming_the_field(client, auth, customer, booked, moment):
    booking_id, etag = booked
    response = client.patch(
        f"/api/v1/bookings/{booking_id}", json={"end": moment}, headers={**auth(customer), "If-Match": etag}
    )
    assert field_errors(response) == ["end"]


def test_dates_at_the_edges_of_the_apis_years_are_accepted(client):
    response = client.get(
        "/api/v1/availability", query_string={"start": "2199-12-31T10:00:00+01:00", "end": "2199-12-31T12:00:00+01:00"}
    )
    assert response.status_code == 200


def test_the_openapi_document_states_the_years(client):
    spec = client.get("/api/openapi.json").json
    (start,) = [p for p in spec["paths"]["/api/v1/availability"]["get"]["parameters"] if p["name"] == "start"]
    assert "2000-01-01" in start["description"] and "2199-12-31" in start["description"]


# --- the availability window ---------------------------------------------------------------


def test_a_window_longer_than_any_booking_is_a_422_naming_the_end(client, monday):
    # a thousand years answered 200 [] after 13.5 s, and eight of them took every thread; 150 is in bounds
    start = paris(monday, 10)
    response = client.get(
        "/api/v1/availability", query_string={"start": iso(start), "end": iso(start.replace(year=start.year + 150))}
    )
    assert field_errors(response) == ["end"]
    assert "longest booking a space allows (840 minutes)" in response.json["detail"]


def test_a_window_as_long_as_the_longest_booking_is_searched(client, monday):
    start = paris(monday, 8)
    response = client.get("/api/v1/availability", query_string={"start": iso(start), "end": iso(paris(monday, 22))})
    assert response.status_code == 200
    assert {offer["space"]["max_minutes"] for offer in response.json} == {840}


def test_the_window_cap_is_the_longest_booking_of_the_spaces_searched(client, monday):
    # the showroom allows 12 hours (720 minutes): at La Coque alone, 13 hours is too long
    response = client.get(
        "/api/v1/availability",
        query_string={"start": iso(paris(monday, 8)), "end": iso(paris(monday, 21)), "site": "la-coque"},
    )
    assert "(720 minutes)" in response.json["detail"]


# --- JSON depth ----------------------------------------------------------------------------


def test_a_body_nested_a_thousand_deep_is_a_400_not_a_500_even_anonymous(client):
    response = client.post("/api/v1/waitlist", data="[" * 1000 + "]" * 1000, content_type="application/json")
    assert response.status_code == 400
    assert response.json["errors"] == [
        {
            "field": "body", "message": f"nests more than {MAX_JSON_DEPTH} levels of arrays and objects",
            "code": "invalid",
        }  # fmt: skip
    ]


def test_a_deep_body_that_needs_decoding_for_its_text_is_refused_too(client, auth, staff):
    # an escape sends the body through the storable-text check, which decodes it itself
    body = '{"name": "\\u00e9", "x": ' + "[" * 1000 + "]" * 1000 + "}"
    response = client.post("/api/v1/organisations", data=body, content_type="application/json", headers=auth(staff))
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "too_deep"),
    [
        (b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, False),  # at the limit
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), True),  # one past it
        (b'{"a": "' + b"[" * 100 + b'"}', False),  # brackets inside a string do not nest
        (b'{"a": "\\"' + b"[" * 100 + b'"}', False),  # nor after an escaped quote
        (b'[{"a": [' * 20 + b"]}]" * 20, True),  # objects and arrays both count
        (("[" * 40 + "]" * 40).encode("utf-16"), True),  # in any encoding JSON allows
    ],
)
def test_json_depth(body, too_deep):
    assert json_depth_exceeds(body) == too_deep
