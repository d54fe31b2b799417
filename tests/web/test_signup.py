"""Sign-up, the verification link, staff's approval, and forgotten passwords: through the pages, with
the mail read back from a real SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from clock import paris
from pagekit import csrf_of

from booking.extensions import db
from booking.models import AccountLink, CompanyStatus, Organisation, Status, User
from booking.services import bookings, mail
from booking.services.bookings import BookingRequest

NEW_COMPANY = {
    "join": "new", "company": "Provence Drones", "country": "FR", "vat_number": "FR12345678901",
    "billing_address": "1 quai du Port, Marseille", "name": "Zoé Martin", "email": "zoe@drones.example",
    "password": "a long enough password", "locale": "fr",
}  # fmt: skip


@pytest.fixture
def sign_up(client):
    def post(**changes):
        token = csrf_of(client.get("/signup").get_data(as_text=True))
        return client.post("/signup", data={"csrf_token": token, **NEW_COMPANY, **changes})

    return post


def link_in(smtp, address: str, path: str) -> str:
    """The path of the first link to ``path`` in the latest mail to ``address`` (text part)."""
    mail.deliver_due(datetime.now(UTC))
    text = smtp.to(address)[-1].message.get_body(("plain",)).get_content()
    (found,) = re.findall(rf"http://127\.0\.0\.1:8000({re.escape(path)}\S+)", text)
    return found


def press(client, page_path: str, data: dict | None = None):
    """Submit the form of the page at ``page_path`` (its CSRF token included)."""
    token = csrf_of(client.get(page_path).get_data(as_text=True))
    return client.post(page_path, data={"csrf_token": token, **(data or {})})


def sign_in(client, email: str, password: str):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_a_new_company_signs_up_and_waits_for_its_address_to_be_verified(smtp, sign_up):
    response = sign_up()
    assert response.status_code == 302 and response.headers["Location"] == "/signup/sent"
    company = db.session.query(Organisation).filter_by(name="Provence Drones").one()
    assert (company.status, company.country, company.vat_number) == (CompanyStatus.PENDING, "FR", "FR12345678901")
    person = db.session.query(User).filter_by(email="zoe@drones.example").one()
    assert person.company_admin and person.email_verified_at is None and person.locale == "fr"
    mail.deliver_due(datetime.now(UTC))
    (received,) = smtp.to("zoe@drones.example")
    assert received.message["Subject"] == "Confirmez votre adresse e-mail"


def test_nobody_can_sign_in_before_following_the_link(smtp, sign_up, client):
    sign_up()
    assert sign_in(client, "zoe@drones.example", NEW_COMPANY["password"]).status_code == 401


def test_the_verification_link_works_once_and_is_stored_only_hashed(smtp, sign_up, client):
    sign_up()
    path = link_in(smtp, "zoe@drones.example", "/signup/verify/")
    token = path.rsplit("/", 1)[1]
    assert token not in {link.token_hash for link in db.session.query(AccountLink)}
    assert client.get(path).status_code == 200  # opening it (a mail scanner does) verifies nothing
    assert db.session.query(User).filter_by(email="zoe@drones.example").one().email_verified_at is None
    assert press(client, path).status_code == 200
    assert sign_in(client, "zoe@drones.example", NEW_COMPANY["password"]).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/account/").get_data(as_text=True))})
    assert press(client, path).status_code == 410


def test_the_verified_message_of_a_sent_mail_is_forgotten_once_sent(smtp, sign_up):
    sign_up()
    mail.deliver_due(datetime.now(UTC))
    (message,) = mail.recent()
    assert message.secret and message.raw == ""  # the link's token lives on only in the mailbox


def test_a_link_past_its_time_no_longer_works(smtp, sign_up, client):
    sign_up()
    path = link_in(smtp, "zoe@drones.example", "/signup/verify/")
    db.session.execute(db.update(AccountLink).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    db.session.commit()
    assert press(client, path).status_code == 410


def test_signing_up_with_a_known_address_says_the_same_and_mails_the_owner(smtp, sign_up, customer):
    response = sign_up(email=customer.email)
    assert response.status_code == 302 and response.headers["Location"] == "/signup/sent"
    assert db.session.query(Organisation).filter_by(name="Provence Drones").count() == 0
    mail.deliver_due(datetime.now(UTC))
    (received,) = smtp.to(customer.email)
    assert received.message["Subject"] == "Votre compte OneXperience"
    assert "/login" in received.message.get_body(("plain",)).get_content()


def test_asking_to_join_a_company_tells_its_admins_and_reveals_nothing(smtp, sign_up, customer, make_user):
    customer.company_admin = True
    db.session.commit()
    for company in ("Acme", "Nobody Inc"):
        response = sign_up(join="join", company=company, email=f"new@{company[:4].lower()}.example", password="")
        assert response.status_code == 302 and response.headers["Location"] == "/signup/sent"
    mail.deliver_due(datetime.now(UTC))
    (asked,) = smtp.to(customer.email)
    assert asked.message["Subject"] == "Zoé Martin demande à rejoindre Acme"
    assert db.session.query(User).filter(User.email.like("new@%")).count() == 0


def test_sign_ups_from_one_address_are_limited(smtp, app, sign_up):
    app.config["SIGNUP_MAX_PER_HOUR"] = 4
    statuses = [sign_up(email=f"p{i}@drones.example", company=f"Drones {i}").status_code for i in range(5)]
    assert statuses == [302, 302, 302, 302, 429]


def test_staff_hear_of_a_verified_company_and_approving_it_lets_its_waiting_bookings_go(
    smtp, app, sign_up, client, staff, monday
):
    app.config["MAIL_STAFF_TO"] = "approvals@onexperience.example"
    sign_up()
    press(client, link_in(smtp, "zoe@drones.example", "/signup/verify/"))
    mail.deliver_due(datetime.now(UTC))
    (told,) = smtp.to("approvals@onexperience.example")
    assert told.message["Subject"] == "Nouvelle entreprise à valider : Provence Drones"
    assert "http://127.0.0.1:8000/staff/companies" in told.message.get_body(("plain",)).get_content()

    zoe = db.session.query(User).filter_by(email="zoe@drones.example").one()
    req = BookingRequest("la-coque", "salle-calanques", paris(monday, 10), paris(monday, 12), "Drone demo", 6)
    waiting = bookings.book(zoe, req)
    assert waiting.status == Status.PENDING  # the company is not approved yet

    sign_in(client, staff.email, "correct horse battery")
    page = client.get("/staff/companies").get_data(as_text=True)
    assert "Provence Drones" in page
    client.post("/staff/companies/provence-drones/approve", data={"csrf_token": csrf_of(page)})
    db.session.expire_all()
    assert db.session.get(Organisation, zoe.organisation_id).status == CompanyStatus.ACTIVE
    assert db.session.get(type(waiting), waiting.id).status == Status.CONFIRMED
    mail.deliver_due(datetime.now(UTC))
    subjects = [r.message["Subject"] for r in smtp.to("zoe@drones.example")]
    assert "Provence Drones peut réserver" in subjects and "Réservation acceptée : Drone demo" in subjects


def test_forgot_password_sends_a_single_use_link_and_the_new_password_signs_in(smtp, client, customer):
    response = press(client, "/login/forgot", {"email": customer.email})
    assert response.status_code == 200
    path = link_in(smtp, customer.email, "/login/reset/")
    assert press(client, path, {"password": "a brand new password"}).status_code == 302
    assert sign_in(client, customer.email, "correct horse battery").status_code == 401
    assert sign_in(client, customer.email, "a brand new password").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/account/").get_data(as_text=True))})
    assert press(client, path, {"password": "yet another password"}).status_code == 410


def test_forgot_password_answers_the_same_for_an_unknown_address(smtp, client, customer):
    known = press(client, "/login/forgot", {"email": customer.email}).get_data(as_text=True)
    unknown = press(client, "/login/forgot", {"email": "nobody@nowhere.example"}).get_data(as_text=True)
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]*"', "", html)  # noqa: E731
    assert strip(known) == strip(unknown)
    mail.deliver_due(datetime.now(UTC))
    assert smtp.to("nobody@nowhere.example") == []


def test_a_reset_link_lasts_only_a_short_while(smtp, client, customer):
    press(client, "/login/forgot", {"email": customer.email})
    (link,) = db.session.query(AccountLink).filter_by(purpose="reset").all()
    assert link.expires_at - link.created_at == timedelta(minutes=30)


def test_a_person_changes_their_password_knowing_the_current_one(client, customer):
    sign_in(client, customer.email, "correct horse battery")
    wrong = press(client, "/account/password", {"current": "not it at all", "password": "a brand new password"})
    assert wrong.status_code == 422
    right = press(client, "/account/password", {"current": "correct horse battery", "password": "a brand new password"})
    assert right.status_code == 302
    db.session.refresh(customer)
    from werkzeug.security import check_password_hash

    assert check_password_hash(customer.password_hash, "a brand new password")


def test_staff_approve_a_company_through_the_api(smtp, sign_up, client, staff, auth):
    sign_up()
    press(client, link_in(smtp, "zoe@drones.example", "/signup/verify/"))
    headers = auth(staff)
    listed = client.get("/api/v1/organisations/pending", headers=headers).json
    assert [(c["slug"], c["status"], c["country"]) for c in listed] == [("provence-drones", "pending", "FR")]
    approved = client.post("/api/v1/organisations/provence-drones/approve", headers=headers)
    assert approved.status_code == 200 and approved.json["status"] == "active"
    again = client.post("/api/v1/organisations/provence-drones/approve", headers=headers)
    assert again.status_code == 409
    assert client.get("/api/v1/organisations/pending", headers=headers).json == []


def test_a_company_cannot_approve_itself(smtp, sign_up, client, customer, auth):
    sign_up()
    response = client.post("/api/v1/organisations/provence-drones/approve", headers=auth(customer))
    assert response.status_code == 403
