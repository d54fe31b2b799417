"""Sign-in sessions live on the server: signing out ends them for good, everywhere if asked, and they expire."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pagekit import PASSWORD, csrf_of
from sqlalchemy import select

from booking.extensions import db
from booking.models import LoginSession
from booking.services import logins, mail
from config import settings

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def signed_in_client(app, user):
    """Another browser: a test client of its own, signed in through the form."""
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    answer = browser.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_of(page)})
    assert answer.status_code == 302
    return browser


def copy_of_cookie(app, browser):
    """What someone who captured ``browser``'s cookie could do with it."""
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    return thief


def test_a_cookie_copied_before_signing_out_opens_nothing_afterwards(app, post_form, client, sign_in, staff):
    sign_in(staff)
    thief = copy_of_cookie(app, client)
    assert thief.get("/staff/").status_code == 200
    post_form("/staff/", "/logout")
    assert thief.get("/staff/").status_code == 302
    assert thief.get("/api/v1/me").status_code == 401


def test_signing_out_ends_only_this_browsers_session(app, post_form, client, sign_in, staff):
    laptop = signed_in_client(app, staff)
    sign_in(staff)
    post_form("/staff/", "/logout")
    assert laptop.get("/staff/").status_code == 200


def test_signing_out_everywhere_ends_every_browsers_session(app, post_form, client, sign_in, staff):
    laptop, phone = signed_in_client(app, staff), signed_in_client(app, staff)
    sign_in(staff)
    answer = post_form("/staff/", "/logout/everywhere")
    assert answer.headers["Location"] == "/login"
    for browser in (client, laptop, phone):
        assert browser.get("/staff/").status_code == 302
    assert "Toutes vos sessions sont fermées." in client.get("/login").get_data(as_text=True)


def test_signing_out_everywhere_leaves_other_people_signed_in(app, post_form, sign_in, staff, customer):
    colleague = signed_in_client(app, customer)
    sign_in(staff)
    post_form("/staff/", "/logout/everywhere")
    assert colleague.get("/portal/bookings").status_code == 200


def test_signing_out_everywhere_needs_the_csrf_token(client, sign_in, staff):
    sign_in(staff)
    assert client.post("/logout/everywhere").status_code == 400
    assert client.get("/staff/").status_code == 200


def test_every_signed_in_page_offers_signing_out_everywhere(client, sign_in, customer):
    sign_in(customer)
    assert "Se déconnecter partout" in client.get("/portal/bookings").get_data(as_text=True)


def test_a_session_lasts_session_hours_at_most(app, customer):
    key = logins.start_session(customer, now=T0)
    hours = timedelta(hours=app.config["SESSION_HOURS"])
    assert logins.session_user(key, now=T0 + hours - timedelta(seconds=1)) == customer
    assert logins.session_user(key, now=T0 + hours) is None


def test_the_lifetime_is_a_setting_and_the_cookie_expires_with_it(app, customer):
    app.config["SESSION_HOURS"] = 1
    key = logins.start_session(customer, now=T0)
    assert logins.session_user(key, now=T0 + timedelta(minutes=61)) is None
    assert settings.from_environ({"ONEXP_SESSION_HOURS": "8"})["SESSION_HOURS"] == 8
    assert settings.from_environ({})["SESSION_HOURS"] == 12  # a working day, not Flask's 31 days
    assert app.permanent_session_lifetime == timedelta(hours=12)


def test_a_deactivated_person_is_signed_out_at_once(app, client, sign_in, customer):
    sign_in(customer)
    customer.active = False
    db.session.commit()
    assert client.get("/portal/bookings").status_code == 302


def test_only_a_hash_of_the_session_key_is_stored(app, customer):
    key = logins.start_session(customer)
    stored = db.session.scalars(select(LoginSession.key_hash)).all()
    assert key not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_signing_in_forgets_that_persons_expired_sessions(app, customer):
    logins.start_session(customer, now=T0)
    logins.start_session(customer, now=T0 + timedelta(days=2))
    assert logins.open_sessions(customer, now=T0 + timedelta(days=2)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(LoginSession)) == 1


def test_a_made_up_session_key_opens_nothing(client):
    with client.session_transaction() as session:
        session["login"] = "made-up"
    assert client.get("/staff/").status_code == 302


def test_a_password_reset_signs_out_every_browser_that_knew_the_old_one(app, client, customer, smtp):
    laptop = signed_in_client(app, customer)
    page = client.get("/login/forgot").get_data(as_text=True)
    client.post("/login/forgot", data={"email": customer.email, "csrf_token": csrf_of(page)})
    mail.deliver_due(datetime.now(UTC))
    text = smtp.to(customer.email)[-1].message.get_body(("plain",)).get_content()
    (path,) = re.findall(r"http://127\.0\.0\.1:8000(/login/reset/\S+)", text)
    page = client.get(path).get_data(as_text=True)
    assert client.post(path, data={"password": "a brand new password", "csrf_token": csrf_of(page)}).status_code == 302
    assert laptop.get("/account/").status_code == 302


def test_changing_ones_password_signs_out_the_other_browsers_but_not_this_one(app, client, customer):
    laptop = signed_in_client(app, customer)
    here = signed_in_client(app, customer)
    page = here.get("/account/password").get_data(as_text=True)
    data = {"current": PASSWORD, "password": "a brand new password", "csrf_token": csrf_of(page)}
    assert here.post("/account/password", data=data).status_code == 302
    assert laptop.get("/account/").status_code == 302
    assert here.get("/account/").status_code == 200
