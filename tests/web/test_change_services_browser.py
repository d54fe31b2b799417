"""In a real headless Chromium: a company changes its seminar's lunch and technician hours and sees the new quote;
a kit whose last unit is taken is named on the page."""

from __future__ import annotations

import pytest
from clock import paris
from pagekit import sign_in_browser
from playwright.sync_api import expect

from booking.services import bookings

pytestmark = pytest.mark.browser


@pytest.fixture
def seminar(customer, monday):
    """Acme's day seminar at the Château: lunch for 40, a technician 8 h, streamed to 25 people."""
    request = bookings.BookingRequest(
        "chateau-des-baumes", "salle-etang", paris(monday, 9), paris(monday, 17), "Séminaire annuel", 40,
        services=(("dejeuner", 40), ("technicien", 8), ("streaming", 1)), online_attendees=25,
        streaming_link="https://live.example.com/seminaire",
    )  # fmt: skip
    return bookings.book(customer, request)


@pytest.mark.parametrize("width", [390, 1366])
def test_a_company_changes_lunch_from_40_to_35_adds_a_technician_hour_and_sees_the_new_quote(
    browse, screenshot, customer, seminar, width
):
    page = browse(width=width)
    sign_in_browser(page, customer)
    page.goto("/portal/bookings")
    page.locator("li.booking-item", has_text="Séminaire annuel").get_by_role("link", name="Modifier").click()
    expect(page.get_by_label("Déjeuner buffet")).to_have_value("40")
    expect(page.get_by_label("Participants en ligne")).to_have_value("25")

    page.get_by_label("Déjeuner buffet").fill("35")
    page.get_by_label("Technicien son et image").fill("9")
    page.get_by_role("button", name="Mettre à jour le devis").click()

    quote = page.locator("#quote")
    # by hand: lunch 35 x 32 = 1120 + 10 %; technician 9 x 65 = 585 + 20 %; total 2775 excl., 3218 incl. VAT
    expect(quote.locator('tr[data-item="dejeuner"]')).to_contain_text("1 232,00")
    expect(quote.locator('tr[data-item="technicien"]')).to_contain_text("702,00")
    expect(quote.locator("tfoot")).to_contain_text("3 218,00")
    expect(page.locator("[data-current-price]")).to_contain_text("3 316,00")
    expect(page.get_by_label("Déjeuner buffet")).to_have_value("35")  # the quote keeps what was typed
    screenshot(page, f"change-seminar-quote-{width}")

    page.get_by_role("button", name="Enregistrer la modification").click()

    expect(page.locator("p.flash.success")).to_contain_text("3 218,00")
    row = page.locator("li.booking-item", has_text="Séminaire annuel")
    expect(row).to_contain_text("Déjeuner buffet × 35")
    expect(row).to_contain_text("Technicien son et image × 9")
    expect(row).to_contain_text("3 218,00")


def test_adding_a_kit_whose_last_unit_is_taken_names_it_on_the_page(
    browse, screenshot, customer, make_user, make_booking, monday
):
    rival = make_user("customer", org="rival")
    both_kits = bookings.BookingRequest(
        "la-coque", "salle-frioul", paris(monday, 10), paris(monday, 12), "Tournage", 4,
        services=(("kit-camera-mobile", 2),),
    )  # fmt: skip
    bookings.book(rival, both_kits)
    mine = make_booking(customer, "salle-calanques", 10, 12, title="Interview").id
    page = browse(width=390)
    sign_in_browser(page, customer)
    page.goto(f"/bookings/{mine}/change")

    page.get_by_label("Kit caméra mobile").fill("1")
    page.get_by_role("button", name="Enregistrer la modification").click()

    expect(page.get_by_role("alert")).to_contain_text("Kit caméra mobile : il n’en reste aucun à ce moment-là")
    expect(page.locator("#service-kit-camera-mobile-error")).to_contain_text("vous en demandez 1")
    screenshot(page, "change-kit-out-of-stock-390")
