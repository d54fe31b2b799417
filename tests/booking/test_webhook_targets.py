"""Where a webhook goes: to the address that was checked, by name for https; what it may subscribe to."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from clock import paris
from receivers import Receiver, certificate_for

from booking.extensions import db
from booking.infra import egress
from booking.models import WebhookDelivery
from booking.services import bookings, webhooks
from booking.services.bookings import BookingRequest


class Names(dict):
    """What the service's resolver answers, by name; each lookup is counted in ``lookups``."""

    def __init__(self):
        super().__init__()
        self.lookups: list[str] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self:
            raise socket.gaierror("Name or service not known")
        return self[host]


@pytest.fixture
def names(app, monkeypatch) -> Names:
    """``names["hooks.test"] = ["127.0.0.1"]``: names only the service's resolver knows."""
    names = Names()
    monkeypatch.setattr(egress, "resolve", names.resolve)
    # the receivers listen on loopback, which the operator must allow explicitly
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_MAX_ATTEMPTS=3, WEBHOOK_TIMEOUT_SECONDS=2)
    return names


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An HTTPS receiver whose certificate names hooks.test, signed by a CA the service is told to trust."""
    ca, context = certificate_for("hooks.test", tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # OpenSSL's default trust, read at each connection
    receiver = Receiver(tls=context)
    yield receiver
    receiver.close()


@pytest.fixture
def booking_made(customer, monday):
    def make():
        req = BookingRequest("la-coque", "salle-frioul", paris(monday, 10), paris(monday, 12), "Kick-off", 4)
        return bookings.book(customer, req, now=paris(monday, 8) - timedelta(days=1))

    return make


def delivery() -> WebhookDelivery:
    return db.session.query(WebhookDelivery).one()


def test_a_delivery_connects_to_the_address_it_checked_without_resolving_the_name_again(
    names, receiver, staff, booking_made, monday
):
    # hooks.test exists only in the service's resolver: a second lookup by the HTTP client would fail
    names["hooks.test"] = ["127.0.0.1"]
    webhooks.register(staff, receiver.url("/ok", host="hooks.test"), ["booking.*"])
    booking_made()
    names.lookups.clear()
    assert webhooks.deliver_due(paris(monday, 8))["delivered"] == 1
    assert names.lookups == ["hooks.test"]  # once, for the check
    (sent,) = receiver.to("/ok")
    assert sent["headers"]["Host"] == f"hooks.test:{receiver.port}"
    assert json.loads(sent["body"])["type"] == "booking.create"


def test_a_name_that_rebinds_to_a_private_address_is_refused_before_anything_is_sent(
    app, names, receiver, staff, booking_made, monday
):
    names["hooks.test"] = ["93.184.216.34"]
    webhooks.register(staff, receiver.url("/ok", host="hooks.test"), ["booking.*"])
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    names["hooks.test"] = ["127.0.0.1"]  # the attacker's DNS now answers loopback
    booking_made()
    assert webhooks.deliver_due(paris(monday, 8))["failed"] == 1
    assert receiver.requests == []
    assert "127.0.0.1" not in delivery().last_error
    assert "not allowed" in delivery().last_error


def test_https_is_verified_against_the_name_while_connecting_to_the_checked_address(
    names, tls_receiver, staff, booking_made, monday
):
    names["hooks.test"] = ["127.0.0.1"]
    webhooks.register(staff, tls_receiver.url("/ok", host="hooks.test", scheme="https"), ["booking.*"])
    booking_made()
    assert webhooks.deliver_due(paris(monday, 8))["delivered"] == 1
    assert tls_receiver.to("/ok")[0]["headers"]["Host"] == f"hooks.test:{tls_receiver.port}"


def test_https_to_a_name_the_certificate_does_not_carry_fails_without_naming_the_address(
    names, tls_receiver, staff, booking_made, monday
):
    names["elsewhere.test"] = ["127.0.0.1"]
    webhooks.register(staff, tls_receiver.url("/ok", host="elsewhere.test", scheme="https"), ["booking.*"])
    booking_made()
    assert webhooks.deliver_due(paris(monday, 8))["retrying"] == 1
    assert tls_receiver.to("/ok") == []
    error = delivery().last_error
    assert error.startswith("TLS failed: ") and "127.0.0.1" not in error


def test_every_checked_address_is_tried_in_turn(names, receiver, staff, booking_made, monday):
    closed = socket.socket()
    closed.bind(("127.0.0.2", 0))  # bound, never listening: connections are refused
    names["hooks.test"] = ["127.0.0.2", "127.0.0.1"]
    url = receiver.url("/ok", host="hooks.test")
    webhooks.register(staff, url, ["booking.*"])
    booking_made()
    try:
        assert webhooks.deliver_due(paris(monday, 8))["delivered"] == 1
    finally:
        closed.close()


def test_a_refused_connection_is_retried_and_its_error_names_no_address(names, staff, booking_made, monday):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    names["hooks.test"] = ["127.0.0.1"]
    webhooks.register(staff, f"http://hooks.test:{port}/in", ["booking.*"])
    booking_made()
    try:
        assert webhooks.deliver_due(paris(monday, 8))["retrying"] == 1
    finally:
        closed.close()
    assert delivery().last_error == "could not connect: Connection refused"


# --- what an endpoint may subscribe to -----------------------------------------------------


@pytest.mark.parametrize(
    ("events", "bad"),
    [
        (["*.*"], 0),  # wildcards beyond the documented ones
        (["booking.*x"], 0),
        (["booking.*", "../../x"], 1),  # names the bad one, not the first
        (["booking.delete"], 0),  # a kind that does not exist
        (["Booking.cancel"], 0),  # kinds are lower case
    ],
)
def test_an_event_filter_that_names_no_event_kind_is_a_422_naming_it(names, client, auth, customer, events, bad):
    names["hooks.example.com"] = ["93.184.216.34"]
    response = client.post(
        "/api/v1/webhooks", json={"url": "https://hooks.example.com/in", "events": events}, headers=auth(customer)
    )
    assert response.status_code == 422
    (error,) = response.json["errors"]
    assert error["field"] == f"events[{bad}]"
    assert error["message"].startswith(f"{events[bad]!r} is not an event kind")


@pytest.mark.parametrize("events", [["*"], ["booking.*", "alert.*", "waitlist.*"], ["booking.cancel", "alert.raised"]])
def test_every_documented_filter_is_accepted(names, client, auth, customer, events):
    names["hooks.example.com"] = ["93.184.216.34"]
    response = client.post(
        "/api/v1/webhooks", json={"url": "https://hooks.example.com/in", "events": events}, headers=auth(customer)
    )
    assert response.status_code == 201, response.json
    assert response.json["events"] == events


def test_the_openapi_document_lists_the_event_filters(client):
    spec = client.get("/api/openapi.json").json
    events = spec["components"]["schemas"]["WebhookIn"]["properties"]["events"]
    assert set(events["items"]["enum"]) == set(webhooks.EVENT_PATTERNS)
    assert {"booking.cancel", "booking.check_in", "alert.raised", "waitlist.offered"} <= set(events["items"]["enum"])
