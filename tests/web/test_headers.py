"""Security headers on every response: what a browser may load, frame, sniff, send and keep."""

from __future__ import annotations

import re

import pytest

from booking import create_app


@pytest.mark.parametrize(
    "url",
    [
        "/login",  # a page
        "/api/v1/sites",  # the API
        "/assets/css/app.css",  # a static file
        "/healthz",
        "/no-such-page",  # an error
    ],
)
def test_every_response_carries_the_security_headers(client, url):
    headers = client.get(url).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_the_policy_runs_scripts_from_this_site_only_and_none_inline(client):
    header = client.get("/login").headers["Content-Security-Policy"]
    policy = dict(directive.strip().split(" ", 1) for directive in header.split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"


def test_no_page_carries_an_inline_script_or_handler(client, sign_in, post_form, staff):
    sign_in(staff)
    pages = {url: client.get(url) for url in ("/login", "/staff/", "/staff/calendar/la-coque", "/staff/approvals")}
    pages["a new feed"] = post_form("/feeds", "/feeds", target="site:la-coque")
    for url, response in pages.items():
        html = response.get_data(as_text=True)
        tags = re.findall(r"<script\b[^>]*>", html)
        inline = [tag for tag in tags if "src=" not in tag and "application/json" not in tag]
        assert inline == [], url
        assert not re.search(r"\son[a-z]+=", html), url


def test_the_api_docs_inline_script_carries_the_nonce_the_policy_allows(client):
    response = client.get("/api/docs")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)
    assert nonce not in client.get("/api/docs").headers["Content-Security-Policy"]  # a new one each time


def test_pages_without_an_inline_script_get_no_nonce(client):
    assert "nonce" not in client.get("/login").headers["Content-Security-Policy"]


def test_https_deployments_tell_browsers_to_stay_on_https(database_url):
    secure = create_app({"DATABASE_URL": database_url, "TESTING": True, "SESSION_COOKIE_SECURE": True})
    assert secure.test_client().get("/healthz").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def test_production_sends_hsts_by_default(database_url, monkeypatch):
    monkeypatch.setenv("ONEXP_ENV", "production")
    monkeypatch.setenv("ONEXP_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("ONEXP_MQTT_URL", "mqtt://ingest:secret@127.0.0.1:1883")
    monkeypatch.setenv("ONEXP_MAIL_URL", "smtp://onexp:secret@127.0.0.1:587")
    monkeypatch.setenv("ONEXP_PUBLIC_URL", "https://booking.onexperience.example")
    app = create_app({"DATABASE_URL": "postgresql+psycopg://u:p@127.0.0.1:1/none"})
    assert "Strict-Transport-Security" in app.test_client().get("/healthz").headers


def test_signed_in_pages_are_never_stored(client, sign_in, staff):
    sign_in(staff)
    assert client.get("/staff/").headers["Cache-Control"] == "no-store"


def test_api_answers_for_a_token_are_never_stored(client, auth, customer):
    assert client.get("/api/v1/me", headers=auth(customer)).headers["Cache-Control"] == "no-store"


def test_anonymous_pages_and_assets_may_be_cached(client):
    assert "Cache-Control" not in client.get("/login").headers
    assert "no-store" not in client.get("/assets/css/app.css").headers.get("Cache-Control", "")


def test_a_feed_keeps_its_own_caching_for_calendar_apps(client, customer):
    from booking.models import FeedScope
    from booking.services import feeds

    token, _ = feeds.create_feed(customer, FeedScope.ORGANISATION)
    assert client.get(f"/feeds/{token}.ics").headers["Cache-Control"] == "private, max-age=300"
