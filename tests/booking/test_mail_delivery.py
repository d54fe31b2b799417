"""E-mail from the outbox, against a real SMTP server (aiosmtpd): delivered at least once, never twice,
whatever the server does meanwhile, and never while a booking request waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import paris
from sqlalchemy import select, update

from booking import jobs
from booking.extensions import db
from booking.models import MailMessage, MailStatus, OutboxEvent
from booking.services import accounts, bookings, mail
from booking.services.bookings import BookingRequest


@pytest.fixture
def book(customer, monday):
    """``book(hour=10, user=customer, title=...)`` -> a confirmed booking of salle-calanques that day."""

    def make(hour: int = 10, *, user=None, title: str = "Kick-off"):
        req = BookingRequest("la-coque", "salle-calanques", paris(monday, hour), paris(monday, hour + 1), title, 6)
        return bookings.book(user or customer, req)

    return make


@pytest.fixture
def later(monday):
    """``later(minutes)``: a moment that many minutes into the delivery run's clock."""

    def at(minutes: float):
        return paris(monday, 7) - timedelta(days=3) + timedelta(minutes=minutes)

    return at


def deliver(at):
    return mail.deliver_due(at)


def test_a_confirmed_booking_reaches_its_booker_once(smtp, book, customer, later):
    book()
    assert deliver(later(0))["sent"] == 1
    assert deliver(later(1))["sent"] == 0  # the next run has nothing new
    (received,) = smtp.received
    assert received.rcpt_tos == [customer.email]
    assert received.message["To"].addresses[0].addr_spec == customer.email


def test_the_delivery_job_sends_what_the_outbox_holds(smtp, book):
    book()
    assert jobs.deliver_mail(jobs.utcnow())["sent"] == 1
    assert len(smtp.received) == 1


def test_an_event_turned_into_mail_twice_still_makes_one_message(smtp, book, later):
    book()
    mail.fan_out(later(0))
    db.session.execute(update(OutboxEvent).values(mailed_at=None))  # as if a crash lost the mark
    db.session.commit()
    mail.fan_out(later(1))
    assert db.session.query(MailMessage).count() == 1
    deliver(later(2))
    assert len(smtp.received) == 1


def test_a_booking_is_made_while_the_mail_server_is_down_and_mailed_once_it_is_back(
    smtp, client, customer, auth, monday, later
):
    smtp.stop()
    body = {"site": "la-coque", "space": "salle-calanques", "title": "Board", "attendees": 4,
            "start": paris(monday, 10).isoformat(), "end": paris(monday, 11).isoformat()}  # fmt: skip
    assert client.post("/api/v1/bookings", json=body, headers=auth(customer)).status_code == 201
    assert deliver(later(0))["retrying"] == 1
    (message,) = db.session.scalars(select(MailMessage))
    assert message.status == MailStatus.PENDING and "ConnectionRefusedError" in message.last_error

    smtp.start()
    assert deliver(later(0.2))["sent"] == 0  # not due yet: it waits out its backoff
    assert deliver(later(1))["sent"] == 1
    assert deliver(later(60))["sent"] == 0
    assert len(smtp.received) == 1


def test_every_message_written_during_an_outage_arrives_once(smtp, book, later):
    smtp.stop()
    for hour in (9, 11, 13, 15):
        book(hour)
    deliver(later(0))
    deliver(later(1))  # still down: only the first is tried each time, the rest wait behind it
    smtp.start()
    for minute in range(2, 200, 5):
        deliver(later(minute))
    assert len(smtp.received) == 4
    assert {m.status for m in db.session.scalars(select(MailMessage))} == {MailStatus.SENT}


def test_a_slow_server_is_given_up_on_and_tried_again(smtp, book, later):
    smtp.greeting_delay = 2  # beyond MAIL_TIMEOUT_SECONDS
    book()
    counts = deliver(later(0))
    assert counts["retrying"] == 1
    assert "within 1 s" in db.session.scalar(select(MailMessage.last_error))
    smtp.greeting_delay = 0
    assert deliver(later(1))["sent"] == 1
    assert len(smtp.received) == 1


def test_a_temporary_refusal_is_retried_until_it_is_accepted(smtp, book, later):
    smtp.temporary_failure = "451 4.3.0 Mailbox busy, try again later"
    book()
    assert deliver(later(0))["retrying"] == 1
    assert db.session.scalar(select(MailMessage.last_error)).startswith("451")
    smtp.temporary_failure = ""
    assert deliver(later(1))["sent"] == 1
    assert deliver(later(300))["sent"] == 0
    assert len(smtp.received) == 1


def test_an_address_refused_for_good_is_marked_failed_and_the_others_still_go(smtp, book, make_user, later):
    gone = make_user("customer", org="acme", email="gone@acme.example")
    smtp.refused[gone.email] = "550 5.1.1 <gone@acme.example>: no such user"
    book(9, user=gone)
    book(11)
    counts = deliver(later(0))
    assert counts == {"written": 2, "sent": 1, "retrying": 0, "failed": 1}
    failed = db.session.scalar(select(MailMessage).where(MailMessage.status == MailStatus.FAILED))
    assert failed.recipient == gone.email and failed.last_error.startswith("550")
    assert deliver(later(600))["sent"] == 0  # never tried again


def test_a_message_still_refused_after_its_last_attempt_is_marked_failed(smtp, book, later):
    smtp.temporary_failure = "421 4.7.0 Try again later"
    book()
    for minute in (0, 1, 2, 4, 8, 16):
        deliver(later(minute))
    message = db.session.scalar(select(MailMessage))
    assert (message.status, message.attempts) == (MailStatus.FAILED, 4)


def test_a_failed_message_is_listed_for_staff(smtp, book, make_user, staff, client, later):
    from pagekit import PASSWORD, csrf_of

    gone = make_user("customer", org="acme", email="gone@acme.example")
    smtp.refused[gone.email] = "550 5.1.1 no such user"
    book(user=gone)
    deliver(later(0))
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_of(page)})
    listed = client.get("/staff/mail/?show=failed").get_data(as_text=True)
    assert "gone@acme.example" in listed and "550 5.1.1 no such user" in listed


def test_nothing_blocks_a_booking_request_while_the_server_hangs(smtp, client, customer, auth, monday):
    smtp.greeting_delay = 5
    body = {"site": "la-coque", "space": "salle-calanques", "title": "Board", "attendees": 4,
            "start": paris(monday, 10).isoformat(), "end": paris(monday, 11).isoformat()}  # fmt: skip
    response = client.post("/api/v1/bookings", json=body, headers=auth(customer))
    assert response.status_code == 201
    assert db.session.query(MailMessage).count() == 0  # nothing written, let alone sent, by the request
    assert db.session.query(OutboxEvent).filter(OutboxEvent.mailed_at.is_(None)).count() == 1


def test_names_company_names_and_titles_cannot_add_headers_or_recipients(smtp, make_org, monday, later):
    make_org("evil", name="Evil Corp\r\nBcc: victim@example.org")
    user = accounts.create_user(
        "booker@evil.example", organisation="evil", password="correct horse battery",
        name="Mallory\r\nBcc: spy@example.org\nX-Injected: yes",
    )  # fmt: skip
    title = "Launch\r\nBcc: other@example.org\r\n\r\n<script>alert(1)</script>"
    req = BookingRequest("la-coque", "salle-calanques", paris(monday, 10), paris(monday, 11), title, 4)
    bookings.book(user, req)
    deliver(later(0))
    (received,) = smtp.received
    assert received.rcpt_tos == ["booker@evil.example"]
    message = received.message
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert "\n" not in message["Subject"] and "Launch Bcc: other@example.org" in message["Subject"]
    assert message["To"].addresses[0].display_name == "Mallory Bcc: spy@example.org X-Injected: yes"
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_links_use_the_public_address_never_the_request_host(smtp, app, client, customer, auth, monday, later):
    app.config["PUBLIC_URL"] = "https://booking.onexperience.example"
    body = {"site": "la-coque", "space": "salle-calanques", "title": "Board", "attendees": 4,
            "start": paris(monday, 10).isoformat(), "end": paris(monday, 11).isoformat()}  # fmt: skip
    headers = auth(customer) | {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}
    assert client.post("/api/v1/bookings", json=body, headers=headers).status_code == 201
    deliver(later(0))
    message = smtp.received[0].message
    for part in ("plain", "html"):
        content = message.get_body((part,)).get_content()
        assert "https://booking.onexperience.example/portal/bookings" in content
        assert "attacker.example" not in content


def test_without_a_mail_server_mail_lands_in_the_local_catcher(app, book, tmp_path, later):
    import mailbox

    app.config["MAIL_URL"] = f"maildir://{tmp_path}/mail"
    book()
    assert deliver(later(0))["sent"] == 1
    (message,) = list(mailbox.Maildir(tmp_path / "mail", create=False))
    assert message["Subject"].endswith("Kick-off")
