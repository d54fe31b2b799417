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
