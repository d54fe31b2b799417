"""Text PostgreSQL cannot store is a 422 naming the field, wherever it is in the request, never a 500."""

from __future__ import annotations

import pytest

from booking.api.storable import unstorable


@pytest.mark.parametrize(
    "text, storable",
    [
        ("Salle Calanques", True),
        ("Château — été ☀", True),  # any real Unicode is fine
        ("a\x00b", False),  # NUL: PostgreSQL text cannot hold it
        ("\ud83d", False),  # half of a surrogate pair: not encodable as UTF-8
    ],
)
def test_unstorable_text(text, storable):
    assert (unstorable(text) is None) == storable


def test_a_nul_in_a_json_body_is_a_422_naming_the_field(client, auth, staff):
    response = client.post("/api/v1/organisations", json={"slug": "acme", "name": "Ac\x00me"}, headers=auth(staff))
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "name", "message": "contains a NUL character", "code": "invalid"}]


def test_a_nul_in_the_url_is_a_422_not_a_database_error(client, auth, staff):
    response = client.get("/api/v1/sites/la%00coque", headers=auth(staff))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "site"


def test_a_lone_surrogate_in_a_json_body_is_a_422(client, auth, staff):
    # JSON may spell one ("\\ud83d"); URLs cannot: werkzeug decodes them with replacement characters
    response = client.post("/api/v1/organisations", json={"slug": "acme", "name": "\ud83d"}, headers=auth(staff))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "name"


@pytest.mark.parametrize(
    "body",
    [
        b'{"slug": "acme", "name": "\xed\xa0\xbd"}',  # a lone surrogate's raw UTF-8 bytes
        '{"slug": "acme", "name": "Ac\\u0000me"}'.encode("utf-16"),  # JSON in UTF-16, NUL escaped
    ],
)
def test_unstorable_text_spelled_other_ways_is_refused_too(client, auth, staff, body):
    response = client.post(
        "/api/v1/organisations", data=body, headers={**auth(staff), "Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422)
