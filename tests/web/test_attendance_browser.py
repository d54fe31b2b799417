"""In a real Chromium: a company checks in from My bookings, and queues for a taken slot."""

from __future__ import annotations

import pytest
from clock import paris
from pagekit import sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_company_checks_in_then_queues_for_a_taken_slot(
    browse, screenshot, customer, make_user, make_booking, monday, monkeypatch
):
    moment = paris(monday, 9, 50)
    monkeypatch.setattr("booking.web.portal.utcnow", lambda: moment)
    monkeypatch.setattr("booking.web.attendance.utcnow", lambda: moment)
    make_booking(customer, "salle-calanques", 10, 12, title="Kick-off")
    make_booking(make_user("customer", org="rival"), "showroom", 14, 17, title="Launch", attendees=50)
    page = browse()
    sign_in_browser(page, customer)
    page.get_by_role("link", name="Mes réservations").click()
    card = page.locator(".booking-item", has_text="Kick-off")  # each booking is a card on My bookings
    card.get_by_role("button", name="Signaler l’arrivée").click()
    expect(page.get_by_role("status").first).to_contain_text("Présence enregistrée : Kick-off.")
    expect(page.locator(".booking-item", has_text="Kick-off")).to_contain_text("Arrivée à 09:50")
    screenshot(page, "portal-checked-in")

    page.goto(f"/portal/book/la-coque/showroom?date={monday.isoformat()}&start=14:00&end=17:00&attendees=40")
    page.get_by_label("Titre de l’événement").fill("Our launch")
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(page.get_by_role("heading", name="Ce créneau est pris")).to_be_visible()
    screenshot(page, "portal-slot-taken")
    page.get_by_role("button", name="Rejoindre la liste d’attente").click()
    expect(page.get_by_role("heading", name="Ma liste d’attente")).to_be_visible()
    entry = page.locator("tr", has_text="Our launch")
    expect(entry).to_contain_text("En attente")
    screenshot(page, "portal-waitlist")
    entry.get_by_role("button", name="Quitter la liste d’attente").click()
    expect(page.locator("tr", has_text="Our launch")).to_contain_text("Quittée")
