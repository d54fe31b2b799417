"""In Chromium, the issue's "done when": a seminar with lunch for 40, a technician and a streamed session is
booked, quoted, changed and cancelled by its company, and staff follow it from their desk."""

from __future__ import annotations

import pytest
from pagekit import fill_the_seminar, release_database, sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_seminar_is_booked_quoted_changed_and_cancelled_while_staff_follow_it_at_the_desk(
    browse, screenshot, customer, staff, monday
):
    company = browse(width=1366)
    sign_in_browser(company, customer)
    # booked and quoted: room 520, lunch 40 x 32 (10 % VAT), technician 8 x 65, streaming 550 -> 3 316 incl. VAT
    fill_the_seminar(company, monday)
    company.get_by_role("button", name="Mettre à jour le devis").click()
    expect(company.locator("#quote tfoot")).to_contain_text("3 316,00")
    company.get_by_role("button", name="Réserver", exact=True).click()
    seminar = company.locator("li.booking-item", has_text="Séminaire annuel")
    expect(seminar).to_contain_text("3 316,00")

    # changed: lunch for 35, one technician hour more -> 3 218 incl. VAT
    seminar.get_by_role("link", name="Modifier").click()
    company.get_by_label("Déjeuner buffet").fill("35")
    company.get_by_label("Technicien son et image").fill("9")
    company.get_by_role("button", name="Mettre à jour le devis").click()
    expect(company.locator("#quote tfoot")).to_contain_text("3 218,00")
    company.get_by_role("button", name="Enregistrer la modification").click()
    expect(seminar).to_contain_text("Déjeuner buffet × 35")
    expect(seminar).to_contain_text("3 218,00")

    # the desk: the list says what the seminar carries and costs, its page the change in its history
    release_database()
    desk = browse(width=1366)
    sign_in_browser(desk, staff)
    desk.goto("/staff/bookings?organisation=acme")
    row = desk.locator("tr", has_text="Séminaire annuel")
    expect(row).to_contain_text("Déjeuner buffet × 35")
    expect(row).to_contain_text("3 218,00")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Exporter en CSV").click()
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert "Séminaire annuel" in exported and ",35," in exported
    row.get_by_role("link", name="Séminaire annuel", exact=True).click()
    expect(desk.locator(".facts")).to_contain_text("https://live.example.com/seminaire")
    expect(desk.locator("[data-services-change]")).to_contain_text(
        "Déjeuner buffet × 40, Technicien son et image × 8, Captation et diffusion en direct × 1 → "
        "Déjeuner buffet × 35, Technicien son et image × 9"
    )
    expect(desk.locator(".trail")).to_contain_text("2 870,00 € → 2 775,00 €")
    screenshot(desk, "seminar-desk-booking")

    # cancelled 12 days before, inside the 14 paid days: 30 % of 2 775 excl. VAT
    company.goto("/portal/bookings")
    seminar.get_by_role("link", name="Annuler").click()
    expect(company.get_by_role("main")).to_contain_text("832,50")
    company.get_by_role("button", name="Oui, annuler cette réservation").click()
    expect(seminar).to_contain_text("Annulée")
    expect(seminar).to_contain_text("Frais d’annulation : 832,50")

    desk.reload()
    expect(desk.locator(".facts")).to_contain_text("832,50")
    expect(desk.locator(".facts")).to_contain_text("Annulée")
    screenshot(desk, "seminar-desk-cancelled")
