"""The API describes itself: a valid OpenAPI 3 document, and a docs page served without any CDN."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json


def api_routes(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every /api/v1 URL rule of the app."""
    return {
        (method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods & HTTP_METHODS
    }


def test_the_document_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises, naming the problem, when the document is not valid


def test_every_api_route_is_documented_with_a_summary(app, spec):
    documented = {(method, path) for path, item in spec["paths"].items() for method in item if method != "parameters"}
    missing = api_routes(app) - documented
    assert not missing, f"routes missing from /api/openapi.json: {sorted(missing)}"
    no_summary = [
        (method, path) for method, path in api_routes(app) if not spec["paths"][path][method].get("summary", "").strip()
    ]
    assert not no_summary, f"give these views a docstring: {no_summary}"


def test_bearer_tokens_are_the_security_scheme(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"bearerAuth": []} in spec["security"]


def test_errors_are_documented_for_booking(spec):
    responses = spec["paths"]["/api/v1/bookings"]["post"]["responses"]
    assert {"201", "409", "422"} <= set(responses)


def test_the_docs_page_loads_its_assets_from_this_server(client):
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert not re.search(r"https?://|//cdn|unpkg|jsdelivr|cdnjs", html), "the docs page must work offline"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.data) > 1000, asset
    assert 'url: "/api/openapi.json"' in html


def test_an_unknown_docs_asset_is_a_404_not_a_500(client):
    assert client.get("/api/docs/assets/nope.js").status_code == 404
    assert client.get("/api/docs/assets/../../../etc/passwd").status_code == 404


def test_error_responses_are_documented_as_problem_documents(spec):
    for name, response in spec["components"]["responses"].items():
        if "content" in response:
            assert list(response["content"]) == ["application/problem+json"], name


def test_ids_in_urls_are_documented_with_the_columns_range(spec):
    (param,) = [p for p in spec["paths"]["/api/v1/bookings/{booking_id}"]["parameters"] if p["name"] == "booking_id"]
    assert param["schema"]["maximum"] == 2**31 - 1


def test_an_id_beyond_the_columns_range_is_a_404_not_a_database_error(client, auth, staff):
    response = client.get(f"/api/v1/bookings/{2**31}", headers=auth(staff))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_public_operations_declare_optional_security(spec):
    for path in ("/api/v1/sites", "/api/v1/sites/{site}/spaces", "/api/v1/availability"):
        assert spec["paths"][path]["get"]["security"] == [{}, {"bearerAuth": []}], path


def test_utilization_declares_csv_beside_json(spec):
    content = spec["paths"]["/api/v1/utilization"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}


def test_a_booking_edit_declares_if_match(spec):
    parameters = spec["paths"]["/api/v1/bookings/{booking_id}"]["patch"]["parameters"]
    assert {"in": "header", "name": "If-Match", "required": True} in [
        {key: p[key] for key in ("in", "name", "required")} for p in parameters
    ]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/users/{user_id}/tokens", "/api/v1/bookings/{booking_id}/cancel", "/api/v1/bookings/{booking_id}/reject"],
)
def test_bodies_with_nothing_required_are_optional(spec, path):
    assert spec["paths"][path]["post"]["requestBody"].get("required", False) is False


def test_optional_bodies_may_be_left_out(client, auth, customer):
    response = client.post(f"/api/v1/users/{customer.id}/tokens", headers=auth(customer))
    assert response.status_code == 201 and response.json["name"] == ""


def test_stated_limits_and_formats_match_the_code(spec):
    from booking.services.accounts import SLUG

    schemas = spec["components"]["schemas"]
    slug = schemas["Organisation"]["properties"]["slug"]
    assert (slug["maxLength"], slug["pattern"]) == (63, SLUG.pattern)
    assert schemas["UserIn"]["properties"]["email"]["format"] == "email"
    assert schemas["WebhookIn"]["properties"]["url"]["format"] == "uri"


def test_money_is_documented_as_the_decimal_string_it_is(spec, client):
    for name in ("excl_vat", "vat", "incl_vat"):
        amount = spec["components"]["schemas"]["Quote"]["properties"][name]
        assert amount["type"] == "string" and re.fullmatch(amount["pattern"], "120.00")


def test_leaving_the_waitlist_is_documented_as_a_cancellation(spec):
    operation = spec["paths"]["/api/v1/waitlist/{entry_id}"]["delete"]
    assert "cancelled, not deleted" in operation["summary"] + operation.get("description", "")
    assert "200" in operation["responses"]


def test_a_new_booking_links_to_what_can_be_done_with_it(spec):
    links = spec["paths"]["/api/v1/bookings"]["post"]["responses"]["201"]["links"]
    assert {"GetBooking", "EditBooking", "CancelBooking"} <= set(links)
    for name, link in links.items():
        path, method = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)
        assert method in spec["paths"][path.replace("~1", "/").replace("~0", "~")], name
        assert link["parameters"]["booking_id"] == "$response.body#/id"


def test_an_app_built_alike_serves_the_document_its_settings_build():
    """The document is built once per process for what it is made from, and only reused for that."""
    from uuid import uuid4

    from booking import create_app

    def document(**settings) -> dict:
        app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True, **settings})
        return app.test_client().get("/api/openapi.json").json

    title = f"Built once {uuid4()}"  # no app had it: this builds its document
    built = document(API_TITLE=title)
    assert built["info"]["title"] == title
    assert document(API_TITLE=title) == built
    usual = document()
    assert usual["info"]["title"] == "OneXperience Booking"
    assert {**built, "info": {**built["info"], "title": usual["info"]["title"]}} == usual
