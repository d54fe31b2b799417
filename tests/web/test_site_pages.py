"""What every page shares: a page for an address that leads nowhere (problem+json for programs), the icon."""

from __future__ import annotations


def test_an_unknown_page_address_is_a_page_in_french_with_a_way_back(client):
    response = client.get("/portal/nowhere", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Page introuvable" in page
    assert 'href="/"' in page


def test_the_not_found_page_speaks_the_readers_language(client, sign_in, customer):
    sign_in(customer, lang="en")
    page = client.get("/staff/typo", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Page not found" in page


def test_an_unknown_api_address_stays_a_problem_document(client):
    response = client.get("/api/v1/nowhere", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_program_asking_for_json_gets_a_problem_document(client):
    response = client.get("/portal/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_an_unknown_feed_is_not_turned_into_a_page(client):
    response = client.get("/feeds/feed_nope/extra.ics", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_every_page_names_its_icon(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon" type="image/svg+xml" href="/assets/img/favicon.svg"' in page
    icon = client.get("/assets/img/favicon.svg")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
