"""In a real headless Chromium: a company books a seminar with lunch, a technician and streaming, line by line."""

from __future__ import annotations

import pytest
from pagekit import fill_the_seminar, sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_company_books_a_seminar_with_lunch_for_40_a_technician_and_a_streamed_session(
    browse, screenshot, customer, monday
):
    page = browse()
    sign_in_browser(page, customer)
    fill_the_seminar(page, monday)

    page.get_by_role("button", name="Mettre à jour le devis").click()

    quote = page.locator("#quote")
    # by hand: room 520 (20%), lunch 40 x 32 = 1280 (10%), technician 8 x 65 = 520 (20%), streaming 550 (20%)
    expect(quote.locator('tr[data-item="dejeuner"]')).to_contain_text("1 280,00")
    expect(quote.locator('tr[data-item="dejeuner"]')).to_contain_text("10 %")
    expect(quote.locator('tr[data-item="technicien"]')).to_contain_text("624,00")
    expect(quote.locator('tr[data-item="streaming"]')).to_contain_text("660,00")
    expect(quote.locator("tfoot")).to_contain_text("3 316,00")
    expect(page.locator(".cancellation-terms")).to_contain_text("30 %")
    expect(page.locator(".cancellation-terms")).to_contain_text("861,00")
    expect(page.get_by_label("Déjeuner buffet")).to_have_value("40")  # the quote keeps what was typed
    screenshot(page, "portal-book-seminar-quote")

    page.get_by_role("button", name="Réserver", exact=True).click()

    row = page.locator("li.booking-item", has_text="Séminaire annuel")
    expect(row).to_contain_text("Déjeuner buffet × 40")
    expect(row).to_contain_text("En ligne : 25")
    expect(row).to_contain_text("3 316,00")
    expect(row.get_by_role("link", name="Lien de diffusion")).to_have_attribute(
        "href", "https://live.example.com/seminaire"
    )
    screenshot(page, "portal-my-bookings-seminar")
