"""Hybrid events: the streaming link and the services show in the booking's .ics and mails, never to others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from clock import paris
from icalendar import Calendar
from icskit import rfc5545_problems

from booking.services import bookings, feeds, mail

LINK = "https://live.example.com/seminaire-acme"


@pytest.fixture
def hybrid(customer, monday):
    """A seminar at the Château: 40 on site with lunch, 25 online through the streaming package."""
    request = bookings.BookingRequest(
        "chateau-des-baumes", "salle-etang", paris(monday, 9), paris(monday, 17), "Séminaire", 40,
        services=(("dejeuner", 40), ("streaming", 1)), online_attendees=25, streaming_link=LINK,
    )  # fmt: skip
    return bookings.book(customer, request)


def description(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert rfc5545_problems(response.data) == []
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    return str(event.get("DESCRIPTION", ""))


def test_the_bookings_ics_tells_its_company_the_streaming_link_people_online_and_services(
    client, sign_in, customer, hybrid
):
    sign_in(customer)

    text = description(client.get(f"/bookings/{hybrid.id}.ics"))

    assert LINK in text
    assert "25" in text and "Déjeuner buffet × 40" in text


def test_another_companys_feed_of_the_site_shows_the_seminar_as_busy_and_nothing_more(client, make_user, hybrid):
    rival = make_user("customer", org="rival")
    token, _ = feeds.create_feed(rival, "site", site="chateau-des-baumes")

    body = client.get(f"/feeds/{token}.ics").get_data(as_text=True)

    assert "Séminaire" not in body and LINK not in body and "buffet" not in body
    assert "SUMMARY:Occupé" in body or "SUMMARY:Busy" in body


def test_the_confirmation_mail_carries_the_link_and_the_cancellation_mail_its_fee(smtp, customer, hybrid, monday):
    mail.deliver_due(datetime.now(UTC))
    bookings.transition(customer, hybrid.id, "cancel", now=paris(monday, 9) - timedelta(days=2))
    mail.deliver_due(datetime.now(UTC))

    confirmed, cancelled = (received.message for received in smtp.to(customer.email))

    confirmation = confirmed.get_body(("plain",)).get_content()
    assert LINK in confirmation and "Déjeuner buffet × 40" in confirmation
    (invite,) = [p for p in confirmed.walk() if p.get_content_type() == "text/calendar"]
    assert LINK in str(Calendar.from_ical(invite.get_content()).walk("VEVENT")[0]["DESCRIPTION"])
    # 30% of the room (520) and lunch (1280) and streaming (550): 30% of 2350 = 705
    assert "705,00" in cancelled.get_body(("plain",)).get_content()
