"""In Chromium: staff move a booking from its panel; a taken slot offers what is free instead, one click moves there."""

from __future__ import annotations

import pytest
from pagekit import release_database, sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_staff_move_a_booking_into_a_taken_slot_then_to_the_free_time_offered(
    browse, screenshot, staff, customer, make_user, make_booking, monday
):
    booking = make_booking(customer, title="Comité Acme").id
    make_booking(make_user("customer", org="rival"), start=14, end=16, title="Rival")
    release_database()
    page = browse(width=390, height=844)
    sign_in_browser(page, staff)
    page.goto(f"/staff/bookings/{booking}")
    move = page.get_by_role("region", name="Déplacer")
    move.get_by_label("De", exact=True).fill("14:00")
    move.get_by_label("À", exact=True).fill("16:00")
    move.get_by_role("button", name="Déplacer la réservation").click()

    expect(page.get_by_role("alert")).to_contain_text("déjà réservé")
    expect(page.locator("ul.error-summary")).to_have_count(0)  # no empty box of dates for a single booking
    offers = page.get_by_role("region", name="Libre à la place")
    expect(offers).to_be_visible()
    screenshot(page, "panel-move-taken-phone")
    offer = offers.locator('[data-alternative="other_time"]').first
    offered = offer.locator("p").first.inner_text()
    offer.get_by_role("button", name="Déplacer ici").click()

    expect(page.get_by_text("Déplacé : Comité Acme.")).to_be_visible()
    expect(page.get_by_role("definition").first).to_contain_text(offered.split(", ")[-1])  # the time it moved to
    expect(page.get_by_role("region", name="Historique")).to_contain_text("Déplacée ou modifiée")
    screenshot(page, "panel-moved-phone")
