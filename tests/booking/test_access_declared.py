"""Who may call what is settled before a body or a query is read: every operation of the OpenAPI
document, called anonymously with an invalid body, answers 401 unless it is public; a customer
calling a staff operation gets 403, not a list of what the body should have held."""

from __future__ import annotations

import re

import pytest

from booking.api.guard import PUBLIC, STAFF, access_of

METHODS = ("get", "post", "put", "patch", "delete")
# Wrong in every way a schema can say: a field of the wrong type, a field no schema has.
INVALID_BODY = {"attendees": "many", "start": "soon", "hold": "yes", "no-such-field": [1]}
INVALID_QUERY = {"start": "soon", "end": "later", "limit": "-1", "status": "nonsense"}


@pytest.fixture
def spec(client) -> dict:
    return client.get("/api/openapi.json").json


def operations(spec):
    """(METHOD, URL, operation) for every documented operation, path parameters filled in."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            declared = item.get("parameters", []) + operation.get("parameters", [])
            kinds = {p["name"]: p["schema"].get("type") for p in declared}
            url = re.sub(r"\{(\w+)\}", lambda m, kinds=kinds: "1" if kinds[m.group(1)] == "integer" else "x", path)
            yield method.upper(), url, operation


def declared(app, method: str, url: str) -> str | None:
    endpoint, _ = app.url_map.bind("localhost").match(url, method=method)
    return access_of(getattr(app.view_functions[endpoint].view_class, method.lower()))


def call(client, method, url, operation, headers=None):
    if "requestBody" in operation:
        return client.open(url, method=method, json=INVALID_BODY, headers=headers)
    return client.open(url, method=method, query_string=INVALID_QUERY, headers=headers)


def test_every_operation_declares_who_may_call_it(app, spec):
    undeclared = [(m, url) for m, url, _ in operations(spec) if declared(app, m, url) is None]
    assert not undeclared, f"put @allow(...) on {undeclared}"


def test_anonymous_callers_are_refused_before_their_body_is_read(app, client, spec):
    answers = {(m, url): call(client, m, url, op) for m, url, op in operations(spec)}
    public = {key for key in answers if declared(app, *key) == PUBLIC}
    assert public, "no public operation: the walk is broken"
    refused = {key: r.status_code for key, r in answers.items() if key not in public}
    assert set(refused.values()) == {401}, {key: status for key, status in refused.items() if status != 401}
    for key, response in answers.items():
        if key not in public:
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), key
    assert all(answers[key].status_code != 401 for key in public)


def test_public_operations_still_refuse_a_bad_token(client, spec, app):
    garbage = {"Authorization": "Bearer not-a-token"}
    for method, url, operation in operations(spec):
        if declared(app, method, url) == PUBLIC:
            response = call(client, method, url, operation, headers=garbage)
            assert response.status_code == 401, (method, url)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_customer_is_refused_staff_operations_before_their_body_is_read(app, client, spec, auth, customer):
    headers = auth(customer)
    staff_only = [(m, url, op) for m, url, op in operations(spec) if declared(app, m, url) == STAFF]
    assert ("PATCH", "/api/v1/sensors/x") in {(m, url) for m, url, _ in staff_only}
    answers = {(m, url): call(client, m, url, op, headers).status_code for m, url, op in staff_only}
    assert set(answers.values()) == {403}, {key: status for key, status in answers.items() if status != 403}


def test_the_document_says_which_operations_are_public(app, spec):
    for method, url, operation in operations(spec):
        public = declared(app, method, url) == PUBLIC
        assert (operation.get("security") == [{}, {"bearerAuth": []}]) is public, (method, url)
        assert "401" in operation["responses"], (method, url)
        assert ("403" in operation["responses"]) is (declared(app, method, url) == STAFF), (method, url)


def test_401_answers_are_documented_with_their_challenge(spec):
    unauthorized = spec["components"]["responses"]["UNAUTHORIZED"]
    assert "WWW-Authenticate" in unauthorized["headers"]
