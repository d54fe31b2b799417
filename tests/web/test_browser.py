"""In a real headless Chromium: staff run the day, a company books and cancels, badges go live."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pagekit import release_database, sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STREAM = "**/api/v1/sites/la-coque/occupancy/stream"
POLL = "**/api/v1/sites/la-coque/occupancy"


def sse(*events: dict) -> str:
    return "".join(f"event: occupancy\ndata: {json.dumps(event)}\n\n" for event in events)


@pytest.fixture
def la_coque_day(customer, make_user, make_booking, monday):
    """Monday at La Coque: a confirmed meeting, and a launch in the showroom waiting for approval."""
    rival = make_user("customer", org="rival")
    make_booking(customer, "salle-calanques", 10, 12, title="Kick-off")
    make_booking(rival, "showroom", 14, 17, title="Product launch", attendees=120)
    return monday


def test_staff_see_the_calendar_of_la_coque_with_its_bookings(browse, screenshot, staff, la_coque_day):
    page = browse()
    sign_in_browser(page, staff)
    expect(page.get_by_role("heading", name="Aujourd’hui sur tous les sites")).to_be_visible()
    screenshot(page, "staff-overview")

    page.goto(f"/staff/calendar/la-coque?day={la_coque_day.isoformat()}")
    calanques = page.locator('tr[data-space-row="salle-calanques"]')
    expect(calanques).to_contain_text("Kick-off")
    expect(calanques).to_contain_text("Acme")
    expect(calanques).to_contain_text("Confirmée")
    showroom = page.locator('tr[data-space-row="showroom"]')
    expect(showroom).to_contain_text("Product launch")
    expect(showroom).to_contain_text("En attente de validation")
    expect(showroom.locator(".bar-buffer")).to_have_count(2)  # an hour of setup, an hour of teardown
    screenshot(page, "staff-calendar-day")

    page.get_by_role("link", name="Semaine", exact=True).click()
    expect(page.locator("table.week")).to_contain_text("Kick-off")
    screenshot(page, "staff-calendar-week")

    page.get_by_role("link", name="Validations").click()
    expect(page.get_by_role("heading", name="Product launch")).to_be_visible()
    screenshot(page, "staff-approvals")


def test_occupancy_badges_follow_the_sites_event_stream(browse, screenshot, staff, monday):
    page = browse()
    # The stream is served by the sensors side: here the browser receives the events of its contract
    page.route(
        STREAM,
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
            body=sse(
                {
                    "site": "la-coque",
                    "space": "salle-calanques",
                    "count": 7,
                    "present": True,
                    "state": "occupied",
                    "since": "2026-11-26T09:58:00+01:00",
                    "fresh": True,
                },
                {
                    "site": "la-coque",
                    "space": "salle-frioul",
                    "count": 0,
                    "present": False,
                    "state": "free",
                    "since": "2026-11-26T08:00:00+01:00",
                    "fresh": True,
                },
                {
                    "site": "la-coque",
                    "space": "showroom",
                    "count": 3,
                    "present": True,
                    "state": "occupied",
                    "since": "2026-11-26T07:00:00+01:00",
                    "fresh": False,
                },
            ),  # fmt: skip
        ),
    )
    sign_in_browser(page, staff)
    page.goto("/staff/calendar/la-coque")
    badge = page.locator('.occupancy[data-space="salle-calanques"]')
    expect(badge).to_have_text("● Occupé · 7 présents")
    expect(badge).to_have_attribute("data-state", "occupied")
    expect(page.locator('.occupancy[data-space="salle-frioul"]')).to_have_text("○ Libre · 0 présents")
    expect(page.locator('.occupancy[data-space="showroom"]')).to_have_text("⚠ Capteur muet")  # not fresh
    expect(page.locator('.occupancy[data-space="plateau-tv"]')).to_have_text("– Aucune donnée en direct")
    screenshot(page, "staff-calendar-live")


def test_when_the_stream_is_refused_the_badges_follow_polling(browse, screenshot, staff, monday):
    page = browse()
    # every stream of the worker is taken: the page asks for the site's occupancy instead
    page.route(STREAM, lambda route: route.fulfill(status=503, headers={"Retry-After": "300"}, body="{}"))
    occupied = {
        "site": "la-coque", "space": "salle-calanques", "count": 5, "present": True, "state": "occupied",
        "since": "2026-11-26T09:58:00+01:00", "fresh": True,
    }  # fmt: skip
    page.route(
        POLL,
        lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps([occupied])),
    )
    sign_in_browser(page, staff)
    page.goto("/staff/calendar/la-coque")
    expect(page.locator('.occupancy[data-space="salle-calanques"]')).to_have_text("● Occupé · 5 présents")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    screenshot(page, "staff-calendar-polling")


def test_without_the_stream_the_calendar_says_live_data_is_unavailable(browse, screenshot, staff, la_coque_day):
    page = browse()
    page.route(STREAM, lambda route: route.fulfill(status=404, body="not here"))
    page.route(POLL, lambda route: route.fulfill(status=404, body="not here"))
    sign_in_browser(page, staff)
    page.goto(f"/staff/calendar/la-coque?day={la_coque_day.isoformat()}")
    expect(page.locator("[data-live-status]")).to_contain_text("n’est pas disponible")
    expect(page.locator('tr[data-space-row="salle-calanques"]')).to_contain_text("Kick-off")


def test_a_company_finds_a_room_books_it_sees_it_and_cancels_it(browse, screenshot, customer, staff, monday):
    page = browse()
    sign_in_browser(page, customer)
    expect(page.get_by_role("heading", name="Trouver un espace")).to_be_visible()
    page.get_by_label("Date").fill(monday.isoformat())
    page.get_by_label("De", exact=True).fill("10:00")
    page.get_by_label("À", exact=True).fill("12:00")
    page.get_by_label("Participants").fill("8")
    page.get_by_label("Site").select_option("la-coque")
    page.get_by_role("button", name="Rechercher").click()
    offer = page.locator('[data-space="la-coque/salle-calanques"]')
    expect(offer).to_contain_text("144,00")
    screenshot(page, "portal-search")

    offer.get_by_role("link", name="Réserver Salle Calanques").click()
    page.get_by_label("Titre de l’événement").fill("Demo day")
    screenshot(page, "portal-book")
    page.get_by_role("button", name="Réserver", exact=True).click()
    row = page.locator(".booking-item", has_text="Demo day")
    expect(row).to_contain_text("Confirmée")
    expect(row).to_contain_text("Salle Calanques")
    screenshot(page, "portal-my-bookings")

    staff_page = browse()
    sign_in_browser(staff_page, staff)
    staff_page.goto(f"/staff/calendar/la-coque?day={monday.isoformat()}")
    expect(staff_page.locator('tr[data-space-row="salle-calanques"]')).to_contain_text("Demo day")

    row.get_by_role("link", name="Annuler").click()  # asks first
    expect(page.get_by_role("heading", name="Annuler Demo day ?")).to_be_visible()
    expect(page.get_by_text("sans frais")).to_be_visible()
    page.get_by_role("button", name="Oui, annuler cette réservation").click()
    expect(page.locator("[data-shelf=cancelled] .booking-item", has_text="Demo day")).to_contain_text("Annulée")
    screenshot(page, "portal-cancelled")
    staff_page.reload()
    expect(staff_page.locator('tr[data-space-row="salle-calanques"]')).not_to_contain_text("Demo day")


def test_a_bad_booking_is_refused_next_to_the_field(browse, screenshot, customer, monday):
    page = browse()
    sign_in_browser(page, customer)
    day = monday + timedelta(days=1)
    page.goto(f"/portal/book/la-coque/salle-calanques?date={day.isoformat()}&start=10:00&end=12:00&attendees=40")
    page.get_by_label("Titre de l’événement").fill("Too many")
    page.get_by_role("button", name="Réserver", exact=True).click()
    attendees = page.get_by_label("Participants")
    expect(attendees).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#attendees-error")).to_contain_text("40 personnes")
    screenshot(page, "portal-book-error")


def test_pages_reflow_at_200_percent_zoom(browse, screenshot, staff, customer, la_coque_day):
    # a 1280-pixel window at 200% zoom lays pages out in 640 CSS pixels
    page = browse(width=640)
    sign_in_browser(page, staff)
    page.goto(f"/staff/calendar/la-coque?day={la_coque_day.isoformat()}")
    expect(page.locator(".booking-list")).to_contain_text("Kick-off")
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 640  # only the calendar grid scrolls sideways, inside its own box
    screenshot(page, "zoom-200-staff-calendar")


def test_signing_in_works_with_the_keyboard_alone(browse, staff):
    email = staff.email
    release_database()
    page = browse()
    page.goto("/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.get_by_label("Adresse e-mail").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Aujourd’hui sur tous les sites")).to_be_visible()


def test_a_company_plans_a_roadshow_across_two_sites(browse, screenshot, customer, monday):
    page = browse()
    sign_in_browser(page, customer)
    page.get_by_role("link", name="Roadshow").click()
    page.get_by_label("Titre du roadshow").fill("Tournée Provence")
    page.get_by_label("Participants").fill("10")
    stops = [
        ("la-coque/salle-calanques", monday),
        ("chateau-des-baumes/salle-etang", monday + timedelta(days=1)),
    ]
    for index, (space, day) in enumerate(stops):
        stop = page.get_by_role("group", name=f"Étape {index + 1}")
        stop.get_by_label("Espace").select_option(space)
        stop.get_by_label("Date").fill(day.isoformat())
        stop.get_by_label("De", exact=True).fill("10:00")
        stop.get_by_label("À", exact=True).fill("12:00")
    screenshot(page, "portal-roadshow")
    page.get_by_role("button", name="Réserver le roadshow").click()
    tour = page.locator(".booking-item", has_text="Tournée Provence")
    expect(tour).to_have_count(1)  # one item, its stops folded in
    expect(tour).to_contain_text("2 étapes")
    expect(page.get_by_role("status").first).to_contain_text("Roadshow réservé : 2 étapes.")


def test_a_company_subscribes_a_calendar_app_to_its_bookings(browse, screenshot, customer, make_booking, live_server):
    from urllib.request import urlopen

    from icalendar import Calendar

    booking = make_booking(customer, title="Kick-off")
    uid = f"booking-{booking.id}@onexperience"
    page = browse()
    sign_in_browser(page, customer)
    page.get_by_role("link", name="Agendas en ligne").click()
    page.get_by_label("Ce que l’agenda affiche").select_option("organisation:")
    page.get_by_role("button", name="Créer une adresse d’agenda").click()
    address = page.get_by_label("L’adresse de votre nouvel agenda").input_value()
    assert address.startswith(f"{live_server}/feeds/feed_")
    screenshot(page, "feeds")
    # a calendar app: no cookie, no sign-in, just the address
    with urlopen(address, timeout=10) as response:
        calendar = Calendar.from_ical(response.read())
    assert [str(event["UID"]) for event in calendar.walk("VEVENT")] == [uid]


def test_the_language_switch_turns_the_pages_english(browse, screenshot, customer):
    page = browse()
    sign_in_browser(page, customer)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Find a space")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "portal-search-english")
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Trouver un espace")).to_be_visible()
