"""Helpers for tests of the pages: the factories' password and the CSRF token of a page."""

from __future__ import annotations

import re

PASSWORD = "correct horse battery"  # what tests/conftest.py's make_user gives everyone
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page put in its forms."""
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def release_database() -> None:
    """End the test's own transaction, so the live server's requests are not kept waiting.

    On SQLite every transaction takes the write lock (BEGIN IMMEDIATE): one left open by the
    test thread, even for a read, would block the server thread until it timed out.
    """
    from booking.extensions import db

    db.session.commit()


def sign_in_browser(page, user, password: str = PASSWORD) -> None:
    """Sign in through the login form, in French, as a person would."""
    email = user.email
    release_database()
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/login" not in url)


def fill_the_seminar(page, monday) -> None:
    """Open Château des Baumes' Salle Étang for Monday 9:00–17:00 and fill the issue's seminar in:
    40 people with lunch, a technician for 8 hours, streamed to 25 people online (not yet quoted)."""
    page.goto(
        f"/portal/book/chateau-des-baumes/salle-etang?date={monday.isoformat()}&start=09:00&end=17:00&attendees=40"
    )
    page.get_by_label("Titre de l’événement").fill("Séminaire annuel")
    page.get_by_label("Déjeuner buffet").fill("40")
    page.get_by_label("Technicien son et image").fill("8")
    page.get_by_label("Captation et diffusion en direct").check()
    page.get_by_label("Participants en ligne").fill("25")
    page.get_by_label("Lien de diffusion").fill("https://live.example.com/seminaire")
