"""ONEXP_MAIL_URL as DESIGN.md says: STARTTLS whenever offered and always before credentials,
plain text only without credentials, smtps:// on TLS from the start; certificates are checked."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from mailserver import SmtpServer

from booking.mail import transport
from booking.mail.transport import ConnectionLost, MailServer


def a_message() -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@onexperience.example", "b@acme.example", "Hello"
    message.set_content("Hello")
    return message.as_bytes()


def send(url: str, *, ca_file: str = "") -> transport.Outcome:
    connection = transport.connect(MailServer.from_url(url), timeout=5, ca_file=ca_file)
    try:
        return connection.send(a_message(), "a@onexperience.example", "b@acme.example")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://relay.example", MailServer("smtp", "relay.example", 25)),  # a local relay, no credentials
        ("smtp://me:s%40cret@smtp.example:587", MailServer("smtp", "smtp.example", 587, "me", "s@cret")),
        ("smtp://me:pw@smtp.example", MailServer("smtp", "smtp.example", 587, "me", "pw")),  # submission port
        ("smtps://me:pw@smtp.example", MailServer("smtps", "smtp.example", 465, "me", "pw")),
        ("maildir:///var/tmp/mail", MailServer("maildir", path="/var/tmp/mail")),
    ],
)
def test_mail_urls_are_read_as_documented(url, expected):
    assert MailServer.from_url(url) == expected


def test_a_mail_url_never_shows_its_password():
    assert MailServer.from_url("smtp://me:secret@smtp.example:587").label == "smtp://me@smtp.example:587"


def test_starttls_is_used_whenever_the_server_offers_it():
    with SmtpServer(tls=True) as smtp:
        assert send(smtp.url, ca_file=str(smtp.cert)).ok
        assert smtp.received[0].tls


def test_a_server_without_starttls_is_spoken_to_in_plain_text_only_without_credentials():
    with SmtpServer() as smtp:
        assert send(smtp.url).ok
        assert not smtp.received[0].tls


def test_credentials_are_sent_after_starttls():
    with SmtpServer(tls=True, users={"onexp": "pw"}) as smtp:
        assert send(smtp.url_with("onexp", "pw"), ca_file=str(smtp.cert)).ok
        assert smtp.received[0].tls and smtp.received[0].authenticated


def test_credentials_are_never_sent_to_a_server_that_offers_no_starttls():
    with SmtpServer(users={"onexp": "pw"}) as smtp:
        with pytest.raises(ConnectionLost, match="offers no STARTTLS"):
            send(smtp.url_with("onexp", "pw"))
        assert smtp.auth_attempts == 0 and smtp.received == []


def test_wrong_credentials_are_a_connection_failure_not_a_refused_address():
    with SmtpServer(tls=True, users={"onexp": "pw"}) as smtp, pytest.raises(ConnectionLost, match="refused the"):
        send(smtp.url_with("onexp", "wrong"), ca_file=str(smtp.cert))


def test_a_certificate_nobody_vouches_for_is_refused():
    with SmtpServer(tls=True) as smtp:
        with pytest.raises(ConnectionLost, match="CERTIFICATE_VERIFY_FAILED"):
            send(smtp.url)
        assert smtp.received == []


def test_smtps_is_tls_from_the_first_byte():
    with SmtpServer(implicit_tls=True, users={"onexp": "pw"}) as smtp:
        assert send(smtp.url_with("onexp", "pw"), ca_file=str(smtp.cert)).ok
        assert smtp.received[0].tls and smtp.received[0].authenticated
