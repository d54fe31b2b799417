"""The local mail catcher's pages: what `make run` sent, readable without a mail server."""

from __future__ import annotations

import re

from clock import paris
from mailserver import SmtpServer

from booking.services import bookings, mail
from booking.services.bookings import BookingRequest


def a_mailed_booking(customer, monday):
    req = BookingRequest("la-coque", "salle-calanques", paris(monday, 10), paris(monday, 11), "Kick-off", 6)
    bookings.book(customer, req)
    assert mail.deliver_due()["sent"] == 1


def test_the_catcher_lists_every_message_without_signing_in(client, customer, monday):
    a_mailed_booking(customer, monday)
    page = client.get("/dev/mail/").get_data(as_text=True)
    assert "Kick-off" in page and customer.email in page


def test_a_caught_message_shows_its_text_with_working_links_and_its_invitation(client, customer, monday):
    a_mailed_booking(customer, monday)
    listing = client.get("/dev/mail/").get_data(as_text=True)
    (link,) = re.findall(r'href="(/dev/mail/[^"/]+)"', listing)
    page = client.get(link).get_data(as_text=True)
    assert '<a href="http://127.0.0.1:8000/portal/bookings">' in page
    invitation = client.get(f"{link}/invite.ics")
    assert invitation.mimetype == "text/calendar" and b"METHOD:REQUEST" in invitation.data


def test_a_caught_html_body_is_served_sandboxed(client, customer, monday):
    a_mailed_booking(customer, monday)
    (link,) = re.findall(r'href="(/dev/mail/[^"/]+)"', client.get("/dev/mail/").get_data(as_text=True))
    html = client.get(f"{link}/html")
    assert html.mimetype == "text/html"
    assert html.headers["Content-Security-Policy"].startswith("sandbox")
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]


def test_there_is_no_catcher_when_mail_goes_to_a_real_server(app, client):
    with SmtpServer() as smtp:
        app.config["MAIL_URL"] = smtp.url
        assert client.get("/dev/mail/").status_code == 404


def test_an_unknown_message_is_not_found(client):
    assert client.get("/dev/mail/nothing-here").status_code == 404
    assert client.get("/dev/mail/..%2F..%2Fetc%2Fpasswd").status_code == 404
