"""The OpenAPI description says what the API really does: problem documents, bounded ids."""

from __future__ import annotations


def test_error_responses_are_documented_as_problem_documents(client):
    spec = client.get("/api/openapi.json").json
    for name, response in spec["components"]["responses"].items():
        if "content" in response:
            assert list(response["content"]) == ["application/problem+json"], name


def test_ids_in_urls_are_documented_with_the_columns_range(client):
    spec = client.get("/api/openapi.json").json
    (param,) = [p for p in spec["paths"]["/api/v1/bookings/{booking_id}"]["parameters"] if p["name"] == "booking_id"]
    assert param["schema"]["maximum"] == 2**31 - 1


def test_an_id_beyond_the_columns_range_is_a_404_not_a_database_error(client, auth, staff):
    response = client.get(f"/api/v1/bookings/{2**31}", headers=auth(staff))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
