"""In a real headless Chromium: a company nobody created signs up, follows the link it was mailed,
is approved by staff, books and is confirmed by e-mail; a forgotten password is reset. The sign-up
page and the mails' HTML are kept as screenshots, in French and English, at 390 px and desktop."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from pagekit import release_database, sign_in_browser
from playwright.sync_api import expect

from booking.services import mail

pytestmark = pytest.mark.browser


@pytest.fixture
def mailed(app, smtp, live_server):
    """``mailed(address)`` -> the latest message to that address, once the outbox was delivered.

    Links in mail are built on ONEXP_PUBLIC_URL: here, the live server the browser talks to.
    """
    app.config["PUBLIC_URL"] = live_server

    def latest(address: str):
        release_database()
        mail.deliver_due(datetime.now(UTC))
        release_database()
        received = smtp.to(address)
        assert received, f"no mail to {address}"
        return received[-1].message

    return latest


def link_in(message, live_server: str, path: str) -> str:
    text = message.get_body(("plain",)).get_content()
    (found,) = re.findall(rf"{re.escape(live_server)}({re.escape(path)}\S+)", text)
    return found


def show_mail(page, message, screenshot, name: str) -> None:
    """The mail's HTML as a mail reader shows it, at the page's width, kept as a screenshot."""
    page.set_content(message.get_body(("html",)).get_content())
    screenshot(page, name)


def fill_sign_up(page) -> None:
    page.get_by_label("Nom de l’entreprise").fill("Provence Drones")
    page.get_by_label("Pays").select_option("FR")
    page.get_by_label("N° de TVA intracommunautaire (facultatif)").fill("FR12345678901")
    page.get_by_label("Votre nom").fill("Zoé Martin")
    page.get_by_label("Adresse e-mail").fill("zoe@drones.example")
    page.get_by_label("Mot de passe (10 caractères ou plus)").fill("a long enough password")


def test_a_company_nobody_created_signs_up_is_approved_books_and_is_confirmed(
    browse, screenshot, mailed, live_server, staff, monday
):
    page = browse()
    page.goto("/login")
    page.get_by_role("link", name="Créez un compte pour votre entreprise").click()
    expect(page.get_by_role("heading", name="Créer un compte")).to_be_visible()
    fill_sign_up(page)
    screenshot(page, "signup-fr")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()

    verification = mailed("zoe@drones.example")
    assert verification["Subject"] == "Confirmez votre adresse e-mail"
    page.goto(link_in(verification, live_server, "/signup/verify/"))
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_role("heading", name="Adresse confirmée")).to_be_visible()

    desk = browse()
    sign_in_browser(desk, staff)
    desk.get_by_role("link", name="Entreprises").click()
    company = desk.locator("#company-provence-drones")
    expect(company).to_contain_text("Provence Drones")
    company.get_by_role("button", name=re.compile("Valider|Approuver")).click()
    expect(desk.locator("#company-provence-drones")).to_have_count(0)
    assert "peut réserver" in mailed("zoe@drones.example")["Subject"]

    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("zoe@drones.example")
    page.get_by_label("Mot de passe").fill("a long enough password")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"/portal/book/la-coque/salle-calanques?date={monday.isoformat()}&start=10:00&end=12:00&attendees=6")
    page.get_by_label("Titre de l’événement").fill("Démonstration de drones")
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(page.get_by_text("Démonstration de drones").first).to_be_visible()

    confirmation = mailed("zoe@drones.example")
    assert confirmation["Subject"] == "Réservation confirmée : Démonstration de drones"
    (part,) = [p for p in confirmation.walk() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/Paris" and event["DTSTART"].dt.hour == 10
    show_mail(page, confirmation, screenshot, "mail-confirmed-fr")
    show_mail(page, verification, screenshot, "mail-verify-fr")


def test_a_forgotten_password_is_reset_from_the_mail_and_signs_in(browse, mailed, live_server, customer):
    email = customer.email
    release_database()  # SQLite: the test's read would hold the write lock the server's requests need
    page = browse()
    page.goto("/login")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_role("button", name="Envoyer le lien").click()
    expect(page.get_by_role("heading", name="Consultez votre messagerie")).to_be_visible()

    page.goto(link_in(mailed(email), live_server, "/login/reset/"))
    page.get_by_label("Nouveau mot de passe (10 caractères ou plus)").fill("a brand new password")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_text("Votre mot de passe est changé : connectez-vous avec.")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill("a brand new password")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.get_by_role("link", name="Mon compte")).to_be_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_sign_up_and_the_mails_read_well_in_both_languages_and_widths(
    browse, screenshot, mailed, live_server, width, customer, monday
):
    from clock import paris

    from booking.extensions import db
    from booking.services import bookings
    from booking.services.bookings import BookingRequest

    release_database()
    page = browse(width=width)
    page.goto("/signup")
    screenshot(page, f"signup-fr-{width}")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    screenshot(page, f"signup-en-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sideways

    for locale in ("fr", "en"):
        customer.locale = locale
        db.session.commit()
        start = paris(monday, 9 if locale == "fr" else 14)
        req = BookingRequest("la-coque", "salle-calanques", start, start.replace(hour=start.hour + 2), "Kick-off", 6)
        bookings.book(customer, req)
        release_database()
        show_mail(page, mailed(customer.email), screenshot, f"mail-confirmed-{locale}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
