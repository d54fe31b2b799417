"""In a real Chromium: another site cannot frame the pages, and the pages work under their policy."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pagekit import release_database, sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def attacker_framing(live_server):
    """Another site (another origin, on loopback like the victim) whose page frames our sign-in page."""
    page = f'<iframe id="victim" src="{live_server}/login"></iframe>'.encode()

    class Attacker(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # "localhost", not 127.0.0.1: another origin (and site) than the live server's
    yield f"http://localhost:{server.server_port}/phish"
    server.shutdown()
    thread.join(5)


def test_another_site_cannot_frame_a_page(chromium, live_server, attacker_framing):
    # a context of its own: the refusal this test provokes is what browse() fails any other test on
    context = chromium.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        with page.expect_event("framenavigated", predicate=lambda frame: frame.parent_frame is not None) as event:
            page.goto(attacker_framing)
        frame = event.value
        # Chromium shows its own error page in the frame instead of the sign-in form
        assert not frame.url.startswith(live_server), frame.url
        assert frame.locator("form").count() == 0
    finally:
        context.close()


def test_the_api_docs_page_runs_its_script_under_the_policy(browse, screenshot):
    page = browse()
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("OneXperience Booking")
    expect(page.locator(".opblock").first).to_be_visible()
    screenshot(page, "api-docs")


def test_one_click_selects_a_new_feed_address_to_copy(browse, customer):
    page = browse()
    sign_in_browser(page, customer)
    page.goto("/feeds")
    page.get_by_label("Ce que l’agenda affiche").select_option("organisation:")
    page.get_by_role("button", name="Créer une adresse d’agenda").click()
    address = page.get_by_label("L’adresse de votre nouvel agenda")
    address.click()
    selected = address.evaluate("field => field.value.substring(field.selectionStart, field.selectionEnd)")
    assert selected == address.input_value() and selected.startswith("http")


def test_staff_pages_work_under_the_policy_at_phone_width(browse, screenshot, staff, monday, make_booking, customer):
    make_booking(customer, "salle-calanques", 10, 12, title="Kick-off")
    release_database()
    page = browse(width=390)
    sign_in_browser(page, staff)
    page.goto(f"/staff/calendar/la-coque?day={monday.isoformat()}")
    bar = page.locator('tr[data-space-row="salle-calanques"] .bar-main')
    expect(bar).to_contain_text("Kick-off")
    # the bar is placed by its style attribute, which the policy must still apply
    assert bar.evaluate("bar => getComputedStyle(bar).left") != "auto"
    screenshot(page, "staff-calendar-day-390")
