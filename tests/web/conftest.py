"""Fixtures for the pages: signing in through the real form (with its CSRF token), and bookings."""

from __future__ import annotations

from pathlib import Path

import pytest
from clock import paris
from pagekit import PASSWORD, csrf_of


@pytest.fixture
def sign_in(client):
    """``sign_in(user)`` signs ``client`` in through the login form; returns the response."""

    def do(user, password: str = PASSWORD, lang: str | None = None):
        if lang:
            page = client.get("/login").get_data(as_text=True)
            client.post("/language", data={"lang": lang, "next": "/login", "csrf_token": csrf_of(page)})
        page = client.get("/login").get_data(as_text=True)
        return client.post("/login", data={"email": user.email, "password": password, "csrf_token": csrf_of(page)})

    return do


@pytest.fixture
def post_form(client):
    """``post_form(page_url, action_url, **fields)``: submit a form as a browser would, token included."""

    def do(page_url: str, action_url: str, **fields):
        token = csrf_of(client.get(page_url).get_data(as_text=True))
        return client.post(action_url, data={"csrf_token": token, **fields})

    return do


@pytest.fixture
def make_booking(app, monday):
    """``make_booking(user, space="salle-calanques", start=10, end=12, **fields)`` books through the service."""
    from booking.services import bookings

    def make(
        user, space: str = "salle-calanques", start: int = 10, end: int = 12, *, day=None, site: str = "la-coque",
        title: str = "Kick-off", attendees: int = 8, hold: bool = False, organisation: str | None = None,
    ):  # fmt: skip
        day = day or monday
        req = bookings.BookingRequest(site, space, paris(day, start), paris(day, end), title, attendees)
        return bookings.book(user, req, hold=hold, organisation=organisation)

    return make


# --- a real browser: Debian's chromium driven by Playwright (never `playwright install`) ---------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
CSP_REFUSAL = "Content Security Policy"  # in every message Chromium logs for a refused script, style or frame
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browse(chromium, live_server):
    """``browse(width=1280)`` -> a new French-speaking page on the live server, closed after the test.

    Whatever the pages' Content-Security-Policy refused during the test fails it: a script or
    style the policy blocks is a page that silently stopped working.
    """
    contexts = []
    refused = []

    def open_page(width: int = 1280, height: int = 900):
        context = chromium.new_context(
            base_url=live_server, locale="fr-FR", viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: refused.append(message.text) if CSP_REFUSAL in message.text else None)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not refused, f"the Content-Security-Policy refused: {refused}"


@pytest.fixture
def screenshot(request, backend):
    """``screenshot(page, "name")`` keeps a full-page PNG under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}-{backend}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
