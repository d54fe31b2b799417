"""Webhooks: registered URLs receive signed booking events from the outbox, retried, never lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from clock import paris
from receivers import Receiver
from sqlalchemy import select

from booking import jobs
from booking.extensions import db
from booking.models import DeliveryStatus, OutboxEvent, WebhookDelivery
from booking.services import bookings, mail, webhooks
from booking.services.bookings import BookingRequest


@pytest.fixture
def receiver(app):
    # the tests' receiver listens on loopback, which the operator must allow explicitly
    app.config.update(
        WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_MAX_ATTEMPTS=3, WEBHOOK_BACKOFF_SECONDS=30, WEBHOOK_TIMEOUT_SECONDS=0.5
    )
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def booked(customer, monday):
    """A confirmed booking for ``customer`` (acme), Monday 10:00-12:00."""

    def make(user=None, hour: int = 10):
        req = BookingRequest("la-coque", "salle-frioul", paris(monday, hour), paris(monday, hour + 2), "Kick-off", 4)
        return bookings.book(user or customer, req, now=paris(monday, 8) - timedelta(days=1))

    return make


def events(path_requests: list[dict]) -> list[str]:
    return [json.loads(r["body"])["type"] for r in path_requests]


def test_private_address_is_refused_unless_the_operator_allows_it(app, client, auth, customer):
    url = "http://127.0.0.1:9/hook"
    response = client.post("/api/v1/webhooks", json={"url": url}, headers=auth(customer))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "url"
    assert "not allowed" in response.json["errors"][0]["message"]
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    response = client.post("/api/v1/webhooks", json={"url": url}, headers=auth(customer))
    assert response.status_code == 201
    assert response.json["secret"].startswith("whsec_")


def test_other_schemes_are_refused(client, auth, customer):
    response = client.post("/api/v1/webhooks", json={"url": "file:///etc/passwd"}, headers=auth(customer))
    assert response.status_code == 422


def test_booking_change_is_delivered_signed(receiver, client, auth, customer, booked, monday):
    created = client.post("/api/v1/webhooks", json={"url": receiver.url("/ok")}, headers=auth(customer)).json
    booking = booked()
    bookings.transition(customer, booking.id, "cancel", now=paris(monday, 8))
    counts = webhooks.deliver_due(paris(monday, 8, 1))
    assert counts["delivered"] == 2
    create, cancel = receiver.to("/ok")
    assert events([create, cancel]) == ["booking.create", "booking.cancel"]
    headers, body = cancel["headers"], cancel["body"]
    assert webhooks.verify(created["secret"], headers["Webhook-Timestamp"], body, headers["Webhook-Signature"])
    assert not webhooks.verify("whsec_wrong", headers["Webhook-Timestamp"], body, headers["Webhook-Signature"])
    document = json.loads(body)
    assert headers["Webhook-Id"] == document["id"]
    assert document["data"]["booking"]["id"] == booking.id
    assert document["data"]["to_status"] == "cancelled"


def test_event_is_part_of_the_change_transaction(customer, booked):
    booking = booked()
    before = db.session.query(OutboxEvent).count()
    bookings.record_change(booking, customer, "cancel", "cancelled")
    db.session.flush()
    assert db.session.query(OutboxEvent).count() == before + 1
    db.session.rollback()  # the change is abandoned: so is its event
    assert db.session.query(OutboxEvent).count() == before


def test_failing_endpoint_is_retried_with_backoff_then_marked_failed_without_blocking_others(
    receiver, staff, booked, monday
):
    failing = webhooks.register(staff, receiver.url("/fail"), ["booking.*"])
    working = webhooks.register(staff, receiver.url("/ok"), ["booking.*"])
    booked()
    t0 = paris(monday, 8)
    assert webhooks.deliver_due(t0) == {"dispatched": 2, "delivered": 1, "retrying": 1, "failed": 0}
    assert webhooks.deliver_due(t0 + timedelta(seconds=29))["retrying"] == 0  # not due before the backoff
    assert webhooks.deliver_due(t0 + timedelta(seconds=30))["retrying"] == 1  # 2nd attempt, next in 60 s
    assert webhooks.deliver_due(t0 + timedelta(seconds=89))["retrying"] == 0
    assert webhooks.deliver_due(t0 + timedelta(seconds=90))["failed"] == 1  # 3rd and last attempt
    assert webhooks.deliver_due(t0 + timedelta(days=1)) == {"dispatched": 0, "delivered": 0, "retrying": 0, "failed": 0}
    failed = db.session.query(WebhookDelivery).filter_by(endpoint_id=failing.id).one()
    assert (failed.status, failed.attempts, failed.last_status_code) == ("failed", 3, 500)
    assert db.session.query(WebhookDelivery).filter_by(endpoint_id=working.id).one().status == "delivered"
    ids = {r["headers"]["Webhook-Id"] for r in receiver.to("/fail")}
    assert len(receiver.to("/fail")) == 3 and len(ids) == 1  # the same event, three times


def test_slow_endpoint_times_out_without_holding_up_others(receiver, staff, booked, monday):
    slow = webhooks.register(staff, receiver.url("/slow"), ["booking.*"])
    webhooks.register(staff, receiver.url("/ok"), ["booking.*"])
    booked()
    counts = webhooks.deliver_due(paris(monday, 8))
    assert (counts["delivered"], counts["retrying"]) == (1, 1)
    delivery = db.session.query(WebhookDelivery).filter_by(endpoint_id=slow.id).one()
    assert delivery.status == "pending"
    assert "no answer within" in delivery.last_error


def test_redirects_are_not_followed(receiver, staff, booked, monday):
    webhooks.register(staff, receiver.url("/redirect"), ["booking.*"])
    booked()
    assert webhooks.deliver_due(paris(monday, 8))["failed"] == 1
    assert receiver.to("/ok") == []
    assert "not followed" in db.session.query(WebhookDelivery).one().last_error


def test_a_target_that_became_private_is_refused_at_send_time(app, receiver, staff, booked, monday):
    webhooks.register(staff, receiver.url("/ok"), ["booking.*"])
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    booked()
    assert webhooks.deliver_due(paris(monday, 8))["failed"] == 1
    assert receiver.requests == []


def test_a_crash_between_send_and_record_resends_once_with_the_same_id(receiver, staff, booked, monday):
    webhooks.register(staff, receiver.url("/ok"), ["booking.*"])
    booked()
    t0 = paris(monday, 8)
    webhooks.dispatch(t0)
    # the attempt is counted and committed, then the process dies before recording the answer
    for attempt in webhooks._claim(t0, 10, 30):
        webhooks.post(attempt, timeout=1, allow_private=True, allowed_hosts=[])
    db.session.remove()
    assert webhooks.deliver_due(t0 + timedelta(seconds=5))["delivered"] == 0  # nothing lost, nothing early
    assert webhooks.deliver_due(t0 + timedelta(seconds=30))["delivered"] == 1
    assert webhooks.deliver_due(t0 + timedelta(hours=1))["delivered"] == 0  # delivered: never again
    sent = receiver.to("/ok")
    assert len(sent) == 2 and sent[0]["headers"]["Webhook-Id"] == sent[1]["headers"]["Webhook-Id"]


def test_company_endpoint_gets_only_its_own_events_and_staff_get_all(
    receiver, client, auth, customer, staff, make_user, booked, monday
):
    client.post("/api/v1/webhooks", json={"url": receiver.url("/acme")}, headers=auth(customer))
    webhooks.register(staff, receiver.url("/venue"), ["booking.*"])
    booked()
    booked(user=make_user("customer", org="rival"), hour=14)
    webhooks.deliver_due(paris(monday, 8))
    assert len(receiver.to("/acme")) == 1
    assert len(receiver.to("/venue")) == 2


def test_a_company_lists_and_removes_its_webhooks(receiver, client, auth, customer, make_user):
    headers = auth(customer)
    created = client.post("/api/v1/webhooks", json={"url": receiver.url("/ok")}, headers=headers).json
    assert [w["id"] for w in client.get("/api/v1/webhooks", headers=headers).json] == [created["id"]]
    assert "secret" not in client.get(f"/api/v1/webhooks/{created['id']}", headers=headers).json
    rival = auth(make_user("customer", org="rival"))
    assert client.delete(f"/api/v1/webhooks/{created['id']}", headers=rival).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{created['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/webhooks", headers=headers).json == []


def test_an_endpoint_gets_its_events_in_order_and_a_failure_holds_back_the_rest(receiver, staff, booked, monday):
    failing = webhooks.register(staff, receiver.url("/fail"), ["booking.*"])
    booked()
    booked(hour=14)
    webhooks.deliver_due(paris(monday, 8))
    assert len(receiver.to("/fail")) == 1  # the second event waits behind the first
    attempts = [d.attempts for d in db.session.query(WebhookDelivery).filter_by(endpoint_id=failing.id).order_by("id")]
    assert attempts == [1, 0]


def test_events_are_forgotten_a_month_after_they_went_out_unless_still_being_retried(receiver, staff, booked, monday):
    webhooks.register(staff, receiver.url("/ok"), ["*"])
    sent, retried, recent = booked(hour=8), booked(hour=11), booked(hour=14)
    webhooks.dispatch(paris(monday, 8))
    mail.fan_out(paris(monday, 8))
    by_booking = {e.payload["booking"]["id"]: e for e in db.session.scalars(select(OutboxEvent))}
    month_ago = datetime.now(UTC) - timedelta(days=31)
    for booking in (sent, retried):
        by_booking[booking.id].dispatched_at = month_ago
    for delivery in db.session.scalars(select(WebhookDelivery)):
        delivered = delivery.event_id != by_booking[retried.id].id
        delivery.status = DeliveryStatus.DELIVERED if delivered else DeliveryStatus.PENDING
    db.session.commit()
    not_yet_sent = booked(hour=17)  # no delivery yet: its event waits for the next dispatch

    assert jobs.prune_outbox(datetime.now(UTC)) == {"pruned": 1, "mail_pruned": 0}

    left = {e.payload["booking"]["id"] for e in db.session.scalars(select(OutboxEvent))}
    assert left == {retried.id, recent.id, not_yet_sent.id}
    assert {d.event.payload["booking"]["id"] for d in db.session.scalars(select(WebhookDelivery))} == {
        retried.id,
        recent.id,
    }


def amounts(service: dict) -> tuple[str, ...]:
    return tuple(service[key] for key in ("unit_price", "excl_vat", "vat_rate", "vat", "incl_vat"))


def test_services_the_streaming_link_and_the_fee_reach_the_company_and_staff_never_another_company(
    receiver, client, auth, customer, staff, make_user, monday
):
    client.post("/api/v1/webhooks", json={"url": receiver.url("/acme")}, headers=auth(customer))
    rival = make_user("customer", org="rival")
    client.post("/api/v1/webhooks", json={"url": receiver.url("/rival"), "events": ["*"]}, headers=auth(rival))
    webhooks.register(staff, receiver.url("/venue"), ["booking.*"])
    start = paris(monday, 9)
    req = BookingRequest(
        "chateau-des-baumes", "salle-etang", start, paris(monday, 17), "Séminaire", 40,
        services=(("dejeuner", 40), ("streaming", 1)), online_attendees=25,
        streaming_link="https://live.example.com/s",
    )  # fmt: skip
    booking = bookings.book(customer, req, now=start - timedelta(days=7))
    bookings.reschedule(
        customer, booking.id, {"services": [{"item": "streaming", "quantity": 1}]}, version=booking.version,
        now=start - timedelta(days=6),
    )  # fmt: skip
    bookings.transition(customer, booking.id, "cancel", now=start - timedelta(days=3))

    webhooks.deliver_due(start - timedelta(days=3))

    assert receiver.to("/rival") == []
    for path in ("/acme", "/venue"):
        created, changed, cancelled = (json.loads(r["body"])["data"]["booking"] for r in receiver.to(path))
        assert [(s["item"], s["quantity"]) for s in created["services"]] == [("dejeuner", 40), ("streaming", 1)]
        assert (created["online_attendees"], created["streaming_link"]) == (25, "https://live.example.com/s")
        assert created["cancellation_fee"] is None
        assert [(s["item"], s["quantity"]) for s in changed["services"]] == [("streaming", 1)]
        # each service's line of the quote, at the price agreed: 40 lunches at 32 (VAT 10%), streaming 550 (20%)
        assert [amounts(s) for s in created["services"]] == [
            ("32.00", "1280.00", "0.10", "128.00", "1408.00"), ("550.00", "550.00", "0.20", "110.00", "660.00"),
        ]  # fmt: skip
        assert [amounts(s) for s in changed["services"]] == [("550.00", "550.00", "0.20", "110.00", "660.00")]
        assert cancelled["cancellation_fee"] == "321.00"  # 30% of the room 520 and streaming 550, three days before
