"""In a real Chromium: signing out everywhere from one browser signs out the others too."""

from __future__ import annotations

import pytest
from pagekit import sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_signing_out_everywhere_from_the_header_ends_the_other_browsers_session(browse, screenshot, customer, width):
    phone, laptop = browse(width=width), browse()
    sign_in_browser(phone, customer)
    sign_in_browser(laptop, customer)
    if width < 700:  # on a phone the header's tools fold behind the Menu button
        phone.get_by_role("button", name="Menu").click()
    screenshot(phone, f"header-sign-out-everywhere-{width}")
    phone.get_by_role("button", name="Se déconnecter partout").click()
    expect(phone.get_by_role("status")).to_contain_text("Toutes vos sessions sont fermées.")
    laptop.reload()
    expect(laptop.get_by_role("button", name="Se connecter")).to_be_visible()
    assert "/login" in laptop.url
