"""Fixtures for the pages: signing in through the real form (with its CSRF token), and bookings."""

from __future__ import annotations

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
