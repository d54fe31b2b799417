"""In Chromium: the number of dates appears once a repeat is chosen, and the series total follows it."""

from __future__ import annotations

import pytest
from pagekit import sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_series_fields_appear_with_a_repeat_and_the_total_follows_the_count(browse, screenshot, customer, monday):
    page = browse()
    sign_in_browser(page, customer)
    page.goto(f"/portal/book/la-coque/salle-calanques?date={monday.isoformat()}&start=10:00&end=12:00&attendees=8")
    count = page.get_by_label("Nombre de dates")
    expect(count).to_be_hidden()
    page.get_by_label("Fréquence").select_option("WEEKLY")
    expect(count).to_be_visible()
    total = page.locator("[data-series-total] output")
    expect(total).to_have_text("576,00\u00a0€")  # 4 dates × 144 € incl. VAT
    count.fill("6")
    expect(total).to_have_text("864,00\u00a0€")
    screenshot(page, "portal-book-series")


def test_a_roadshow_shows_two_stops_and_folds_the_others_until_one_is_added(browse, customer, monday):
    page = browse(390, 844)
    sign_in_browser(page, customer)
    page.goto("/portal/roadshow")
    page.get_by_label("Titre du roadshow").fill("Tournée Provence")
    page.get_by_label("Participants").fill("10")
    expect(page.get_by_role("group", name="Étape 2")).to_be_visible()
    third = page.get_by_role("group", name="Étape 3")
    expect(third).to_be_hidden()
    expect(page.get_by_role("group", name="Étape 4")).to_be_hidden()
    page.get_by_text("Ajouter l’étape 3").click()
    third.get_by_label("Espace").select_option("chateau-des-baumes/salle-etang")
    third.get_by_label("Date").fill(monday.isoformat())
    third.get_by_label("De", exact=True).fill("10:00")
    third.get_by_label("À", exact=True).fill("12:00")
    page.get_by_role("button", name="Vérifier les étapes").click()
    expect(third).to_be_visible()  # a stop filled in stays open
    expect(third).to_contain_text("Libre à cet horaire")
    expect(page.get_by_role("group", name="Étape 4")).to_be_hidden()
