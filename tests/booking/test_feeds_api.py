"""Calendar feed URLs through the API: create, list and revoke them without a browser."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest


@pytest.fixture
def create(client, auth, customer):
    """``create(user=customer, **body)`` posts a new feed."""

    def post(user=None, **body):
        return client.post("/api/v1/feeds", json=body, headers=auth(user or customer))

    return post


def test_a_new_feed_answers_its_token_and_url_once_and_the_url_serves_the_calendar(client, create):
    response = create(scope="organisation")
    assert response.status_code == 201, response.json
    feed = response.json
    assert feed["token"].startswith("feed_") and feed["url"].endswith(f"/feeds/{feed['token']}.ics")
    assert (feed["scope"], feed["organisation"], feed["site"], feed["space"]) == ("organisation", "acme", None, None)
    calendar = client.get(urlsplit(feed["url"]).path)
    assert calendar.status_code == 200 and calendar.mimetype == "text/calendar"


def test_site_and_space_feeds_name_where(create):
    site = create(scope="site", site="la-coque").json
    space = create(scope="space", site="la-coque", space="salle-calanques").json
    assert (site["site"], site["space"]) == ("la-coque", None)
    assert (space["site"], space["space"]) == ("la-coque", "salle-calanques")


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"scope": "everything"}, "scope", "Must be one of"),
        ({"scope": "site"}, "site", "names its site"),  # where?
        ({"scope": "space", "site": "la-coque"}, "space", "names its space"),
        ({"scope": "site", "site": "atlantis"}, "site", "unknown site"),
        ({"scope": "space", "site": "la-coque", "space": "cave"}, "space", "unknown"),
        ({"scope": "organisation", "site": "la-coque"}, "site", "has no site"),
    ],
)
def test_a_feed_that_names_nowhere_real_is_a_422_naming_the_field(create, body, field, words):
    response = create(**body)
    assert response.status_code == 422
    problems = {p["field"]: p["message"] for p in response.json["errors"]}
    assert words in problems[field], problems


def test_the_list_shows_your_working_feeds_without_their_tokens(client, auth, create, customer, make_user):
    mine = create(scope="organisation").json
    create(user=make_user("customer", org="rival"), scope="organisation")
    listed = client.get("/api/v1/feeds", headers=auth(customer)).json
    assert [feed["id"] for feed in listed] == [mine["id"]]
    assert "token" not in listed[0] and "url" not in listed[0]


def test_a_revoked_feed_stops_answering_and_leaves_the_list(client, auth, create, customer):
    feed = create(scope="organisation").json
    assert client.delete(f"/api/v1/feeds/{feed['id']}", headers=auth(customer)).status_code == 204
    assert client.get(urlsplit(feed["url"]).path).status_code == 404
    assert client.get("/api/v1/feeds", headers=auth(customer)).json == []
    assert client.delete(f"/api/v1/feeds/{feed['id']}", headers=auth(customer)).status_code == 404


def test_another_companys_feed_cannot_be_revoked(client, auth, create, make_user):
    feed = create(scope="organisation").json
    rival = make_user("customer", org="rival")
    assert client.delete(f"/api/v1/feeds/{feed['id']}", headers=auth(rival)).status_code == 404
    assert client.get(urlsplit(feed["url"]).path).status_code == 200


def test_feeds_need_a_token(client):
    assert client.get("/api/v1/feeds").status_code == 401
    assert client.post("/api/v1/feeds", json={"scope": "organisation"}).status_code == 401


def test_the_openapi_document_describes_the_feed_operations(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert set(paths["/api/v1/feeds"]) >= {"get", "post"}
    assert "delete" in paths["/api/v1/feeds/{feed_id}"]
