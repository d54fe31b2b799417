"""A company's admin invites colleagues by e-mail, sees and removes them, passes the admin role on;
everyone in the company sees and manages its bookings."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from clock import paris
from pagekit import PASSWORD, csrf_of

from booking.extensions import db
from booking.models import User
from booking.services import bookings, mail
from booking.services.bookings import BookingRequest


def sign_in(client, email: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def press(client, page: str, action: str | None = None, data: dict | None = None):
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(action or page, data={"csrf_token": token, **(data or {})})


@pytest.fixture
def admin(customer):
    customer.company_admin = True
    customer.name = "Alice Admin"
    db.session.commit()
    return customer


def invitation_link(smtp, address: str) -> str:
    mail.deliver_due(datetime.now(UTC))
    text = smtp.to(address)[-1].message.get_body(("plain",)).get_content()
    (path,) = re.findall(r"http://127\.0\.0\.1:8000(/invite/\S+)", text)
    return path


def test_an_admin_invites_a_colleague_who_chooses_a_password_and_signs_in(smtp, client, admin):
    sign_in(client, admin.email)
    response = press(client, "/colleagues", data={"email": "bob@acme.example", "name": "Bob"})
    assert response.status_code == 302
    mail.deliver_due(datetime.now(UTC))
    (invited,) = smtp.to("bob@acme.example")
    assert invited.message["Subject"] == "Alice Admin vous invite à réserver pour Acme"
    path = invitation_link(smtp, "bob@acme.example")
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/colleagues").get_data(as_text=True))})
    assert press(client, path, data={"name": "Bob Martin", "password": "bob's own password"}).status_code == 302
    assert sign_in(client, "bob@acme.example", "bob's own password").status_code == 302
    assert press(client, path, data={"name": "Eve", "password": "another password!"}).status_code == 410


def test_a_colleague_sees_and_cancels_the_company_s_bookings(client, admin, make_user, monday):
    colleague = make_user("customer", org="acme", email="carol@acme.example")
    req = BookingRequest("la-coque", "salle-calanques", paris(monday, 10), paris(monday, 12), "Board", 6)
    booking = bookings.book(admin, req)
    sign_in(client, colleague.email)
    assert "Board" in client.get("/portal/bookings").get_data(as_text=True)
    press(client, "/portal/bookings", f"/portal/bookings/{booking.id}/cancel")
    assert db.session.get(type(booking), booking.id).status == "cancelled"


def test_only_an_admin_invites_or_removes(client, admin, make_user):
    colleague = make_user("customer", org="acme", email="carol@acme.example")
    sign_in(client, colleague.email)
    assert "Inviter un collègue" not in client.get("/colleagues").get_data(as_text=True)
    press(client, "/colleagues", f"/colleagues/{admin.id}/remove")
    assert db.session.get(User, admin.id).active


def test_an_admin_removes_a_colleague_who_can_no_longer_sign_in(client, admin, make_user):
    colleague = make_user("customer", org="acme", email="carol@acme.example")
    sign_in(client, admin.email)
    assert "carol@acme.example" in client.get("/colleagues").get_data(as_text=True)
    press(client, "/colleagues", f"/colleagues/{colleague.id}/remove")
    assert "carol@acme.example" not in client.get("/colleagues").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/colleagues").get_data(as_text=True))})
    assert sign_in(client, colleague.email).status_code == 401


def test_the_admin_role_is_passed_on(client, admin, make_user):
    colleague = make_user("customer", org="acme", email="carol@acme.example")
    sign_in(client, admin.email)
    press(client, "/colleagues", f"/colleagues/{colleague.id}/promote")
    db.session.expire_all()
    assert db.session.get(User, colleague.id).company_admin and not db.session.get(User, admin.id).company_admin


def test_an_admin_cannot_reach_another_company_s_people(client, admin, make_user):
    rival = make_user("customer", org="rival", email="dan@rival.example")
    sign_in(client, admin.email)
    press(client, "/colleagues", f"/colleagues/{rival.id}/remove")
    assert db.session.get(User, rival.id).active
