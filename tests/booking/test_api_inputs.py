"""What the API takes as input, whatever the endpoint: booleans are JSON booleans; free text is one
line (titles, names) or lines broken by LF only (notes, reasons), never other control characters."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from clock import iso, paris
from marshmallow import fields

from booking.api.fields import StrictBoolean


def leg(monday, **overrides) -> dict:
    body = {
        "site": "la-coque", "space": "salle-calanques", "start": iso(paris(monday, 10)),
        "end": iso(paris(monday, 12)), "attendees": 4,
    }  # fmt: skip
    return body | overrides


def field_errors(response) -> list[str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    return [error["field"] for error in response.json["errors"]]


@pytest.mark.parametrize("value", ["yes", "true", 0, 1, "0", None])
def test_a_booking_hold_is_a_json_boolean(client, auth, customer, monday, value):
    response = client.post("/api/v1/bookings", json=leg(monday, title="T", hold=value), headers=auth(customer))
    assert field_errors(response) == ["hold"]


def test_a_roadshow_hold_is_a_json_boolean(client, auth, customer, monday):
    body = {"title": "T", "legs": [leg(monday)], "hold": 0}
    assert field_errors(client.post("/api/v1/roadshows", json=body, headers=auth(customer))) == ["hold"]


def test_an_organisations_share_titles_is_a_json_boolean(client, auth, staff):
    body = {"slug": "initech", "name": "Initech", "share_titles": "yes"}
    assert field_errors(client.post("/api/v1/organisations", json=body, headers=auth(staff))) == ["share_titles"]


def test_true_and_false_are_taken(client, auth, staff):
    body = {"slug": "initech", "name": "Initech", "share_titles": True}
    response = client.post("/api/v1/organisations", json=body, headers=auth(staff))
    assert response.status_code == 201 and response.json["share_titles"] is True


def body_schemas(app):
    """(endpoint, method, schema) of every JSON body the API reads."""
    for endpoint, view in app.view_functions.items():
        view_class = getattr(view, "view_class", None)
        for method in getattr(view_class, "methods", None) or ():
            doc = getattr(getattr(view_class, method.lower()), "_apidoc", {})
            for parameter in doc.get("arguments", {}).get("parameters", []):
                if parameter["in"] == "json":
                    schema = parameter["schema"]
                    yield endpoint, method, schema() if isinstance(schema, type) else schema


def boolean_fields(schema, path=""):
    for name, field in schema.fields.items():
        if isinstance(field, fields.Boolean):
            yield f"{path}{name}", field
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            yield from boolean_fields(inner.schema, f"{path}{name}.")


def test_every_boolean_of_every_body_is_strict(app):
    found = [
        (endpoint, method, name)
        for endpoint, method, schema in body_schemas(app)
        for name, field in boolean_fields(schema)
        if not isinstance(field, StrictBoolean) and not field.dump_only
    ]
    assert list(body_schemas(app)), "no body found: the walk is broken"
    assert not found, f"use booking.api.fields.StrictBoolean for {found}"


# --- free text: one line (titles, names), or lines broken by LF only (notes, reasons) -----------

LINE_BREAKERS = ["a\rb", "a\nb", "a\r\nb", "a\tb", "a\x1bb", "a\x7fb", "a\u2028b"]
NOTE_BREAKERS = ["a\rb", "a\r\nb", "a\tb", "a\x1bb", "a\u2029b"]


def free_text_requests(monday, text: str) -> dict[str, tuple[str, str, dict, str, str]]:
    """name -> (method, URL, body, who calls, the field named) of every request taking free text."""
    return {
        "booking title": ("post", "/api/v1/bookings", leg(monday, title=text), "customer", "title"),
        "booking notes": ("post", "/api/v1/bookings", leg(monday, title="T", notes=text), "customer", "notes"),
        "booking layout": ("post", "/api/v1/bookings", leg(monday, title="T", layout=text), "customer", "layout"),
        "roadshow title": ("post", "/api/v1/roadshows", {"title": text, "legs": [leg(monday)]}, "customer", "title"),
        "waitlist title": ("post", "/api/v1/waitlist", leg(monday, title=text), "customer", "title"),
        "organisation name": ("post", "/api/v1/organisations", {"slug": "initech", "name": text}, "staff", "name"),
        "user name": ("post", "/api/v1/users", {"email": "x@acme.example", "name": text, "organisation": "acme"},
                      "staff", "name"),
        "token name": ("post", "/api/v1/users/{me}/tokens", {"name": text}, "customer", "name"),
        "display name": ("post", "/api/v1/displays", {"site": "la-coque", "name": text}, "staff", "name"),
        "webhook description": ("post", "/api/v1/webhooks", {"url": "https://hooks.example/x", "description": text},
                                "customer", "description"),
    }  # fmt: skip


@pytest.mark.parametrize("text", LINE_BREAKERS, ids=repr)
@pytest.mark.parametrize(
    "name",
    [n for n in free_text_requests(date(2027, 1, 4), "") if n != "booking notes"],
)
def test_one_line_text_with_a_line_break_or_control_character_is_refused(
    client, auth, customer, staff, monday, name, text
):
    method, url, body, who, field = free_text_requests(monday, text)[name]
    caller = {"customer": customer, "staff": staff}[who]
    response = client.open(url.format(me=caller.id), method=method, json=body, headers=auth(caller))
    assert field_errors(response) == [field]


@pytest.mark.parametrize("text", NOTE_BREAKERS, ids=repr)
def test_notes_break_lines_with_lf_only(client, auth, customer, monday, text):
    response = client.post("/api/v1/bookings", json=leg(monday, title="T", notes=text), headers=auth(customer))
    assert field_errors(response) == ["notes"]


def test_notes_may_hold_several_lines(client, auth, customer, monday):
    notes = "Coffee at 10\nLunch for 4"
    response = client.post("/api/v1/bookings", json=leg(monday, title="T", notes=notes), headers=auth(customer))
    assert response.status_code == 201 and response.json["notes"] == notes


def test_edits_and_reasons_are_checked_too(client, auth, customer, monday):
    headers = auth(customer)
    booked = client.post("/api/v1/bookings", json=leg(monday, title="Kick-off"), headers=headers)
    url, etag = f"/api/v1/bookings/{booked.json['id']}", booked.headers["ETag"]
    for change, field in (({"title": "a\rb"}, "title"), ({"notes": "a\r\nb"}, "notes")):
        assert field_errors(client.patch(url, json=change, headers=headers | {"If-Match": etag})) == [field]
    assert field_errors(client.post(f"{url}/cancel", json={"reason": "a\x1bb"}, headers=headers)) == ["reason"]


def test_a_title_stored_before_the_rule_still_makes_a_clean_feed(client, auth, customer, monday):
    """Rows written before titles were checked may hold CR LF: the feed carries them as one property."""
    from icskit import rfc5545_problems

    from booking.extensions import db
    from booking.models import Booking

    headers = auth(customer)
    booked = client.post("/api/v1/bookings", json=leg(monday, title="Kick-off", notes="n"), headers=headers)
    booking = db.session.get(Booking, booked.json["id"])
    booking.title, booking.notes = "Kick-off\r\nBEGIN:VEVENT\rX", "a\r\nb\x1b"
    db.session.commit()
    feed = client.post("/api/v1/feeds", json={"scope": "organisation"}, headers=headers).json
    response = client.get(urlsplit(feed["url"]).path)
    assert response.status_code == 200
    assert rfc5545_problems(response.data) == []
    assert response.data.split(b"\r\n").count(b"BEGIN:VEVENT") == 1  # the title did not start an event


def test_a_query_parameter_the_operation_does_not_declare_is_refused(client, auth, customer):
    """A misspelt filter silently ignored answered more than the caller asked for."""
    response = client.get("/api/v1/bookings", query_string={"stauts": "hold"}, headers=auth(customer))
    assert field_errors(response) == ["stauts"]
