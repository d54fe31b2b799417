"""What the API takes as input, whatever the endpoint: booleans are JSON booleans."""

from __future__ import annotations

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
