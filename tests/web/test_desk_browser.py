"""In Chromium: staff take a phone booking for a company at the desk, and the company finds it in its portal."""

from __future__ import annotations

import re

import pytest
from pagekit import release_database, sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_staff_take_a_phone_booking_on_behalf_of_a_company_which_sees_it_in_its_portal(
    browse, screenshot, staff, customer, make_user, make_booking, monday
):
    make_booking(make_user("customer", org="rival"), "salle-calanques", 10, 12, title="Rival")
    page = browse()
    sign_in_browser(page, staff)
    # Mme Roux of Acme phones: Salle Calanques on Monday from 10 to 12, for 8 people
    page.goto(f"/portal/book/la-coque/salle-calanques?date={monday.isoformat()}&start=10:00&end=12:00&attendees=8")
    page.get_by_label("Entreprise pour laquelle vous réservez").select_option("acme")
    page.get_by_label("Titre de l’événement").fill("Comité de Mme Roux")
    page.get_by_role("button", name="Réserver", exact=True).click()

    # taken: the desk offers what is free instead, the same room later that morning first
    suggestions = page.get_by_role("region", name="Libre à la place")
    expect(suggestions).to_be_visible()
    screenshot(page, "desk-taken-with-alternatives")
    suggestions.locator('[data-alternative="other_time"]').first.get_by_role("link").click()
    expect(page.get_by_label("Entreprise pour laquelle vous réservez")).to_have_value("acme")
    expect(page.get_by_label("Titre de l’événement")).to_have_value("Comité de Mme Roux")
    page.get_by_role("button", name="Réserver", exact=True).click()

    expect(page).to_have_url(re.compile(r"/staff/bookings\?organisation=acme$"))
    row = page.locator("tr", has_text="Comité de Mme Roux")
    expect(row).to_contain_text("Acme")
    expect(row).to_contain_text(f"réservé par {staff.email}")
    screenshot(page, "desk-bookings")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "desk-bookings-phone")

    release_database()
    company = browse(width=390, height=844)
    sign_in_browser(company, customer)
    company.goto("/portal/bookings")
    mine = company.locator("li.booking-item", has_text="Comité de Mme Roux")
    expect(mine).to_contain_text("Salle Calanques")
    expect(mine).to_contain_text("Confirmée")
    screenshot(company, "portal-bookings-made-by-staff-phone")


def test_a_company_moves_one_date_of_its_series_in_the_browser(browse, screenshot, customer, monday):
    from clock import paris

    from booking.services import bookings

    req = bookings.BookingRequest("la-coque", "salle-calanques", paris(monday, 10), paris(monday, 11), "Point hebdo", 4)
    bookings.book_series(customer, req, "FREQ=WEEKLY;COUNT=3")
    release_database()
    page = browse(width=390, height=844)
    sign_in_browser(page, customer)
    page.goto("/portal/bookings")
    series = page.locator("li.booking-item", has_text="Point hebdo")
    series.locator("summary").click()
    series.get_by_role("link", name="Modifier").nth(1).click()
    page.get_by_label("De", exact=True).fill("14:00")
    page.get_by_label("À", exact=True).fill("15:00")
    page.get_by_label("Cette date seulement").check()
    screenshot(page, "change-one-date-phone")
    page.get_by_role("button", name="Enregistrer la modification").click()
    expect(page.get_by_text("Modifié : Point hebdo.")).to_be_visible()
    series = page.locator("li.booking-item", has_text="Point hebdo")
    series.locator("summary").click()
    dates = series.locator("li[data-booking]")
    expect(dates.nth(1)).to_contain_text("14:00")
    expect(dates.nth(0)).to_contain_text("10:00")
    expect(dates.nth(2)).to_contain_text("10:00")
    screenshot(page, "series-one-date-moved-phone")
