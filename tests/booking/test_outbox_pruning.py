"""The outbox is pruned of what went through, and only that: a mail the server accepted, an event
every endpoint received, once ONEXP_OUTBOX_KEEP_DAYS have passed. A failed or pending one stays
whatever its age (staff look at it, delivery retries it); the deletes go a bounded batch at a time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from booking import jobs
from booking.extensions import db
from booking.infra import progress
from booking.models import DeliveryStatus, MailMessage, MailStatus, OutboxEvent, WebhookDelivery, WebhookEndpoint
from booking.services import mail, webhooks

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
KEEP = timedelta(days=30)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def make_mail(app):
    """``make_mail(status, created=days, sent=days)`` -> a stored message, its id."""

    def make(status: str, *, created: float, sent: float | None = None) -> int:
        key = uuid.uuid4().hex
        message = MailMessage(
            key=key, kind="booking.confirmed", recipient=f"{key[:8]}@acme.example", message_id=f"<{key}@onexp>",
            status=status, attempts=1, created_at=days_ago(created), next_attempt_at=days_ago(created),
            sent_at=days_ago(sent) if sent is not None else None,
        )  # fmt: skip
        db.session.add(message)
        db.session.commit()
        return message.id

    return make


@pytest.fixture
def endpoints(app):
    """Three endpoints an event can go to."""
    made = [WebhookEndpoint(url=f"https://hooks.example.com/{n}", secret="whsec_x", events=["*"]) for n in range(3)]
    db.session.add_all(made)
    db.session.commit()
    return [e.id for e in made]


@pytest.fixture
def make_event(endpoints):
    """``make_event(dispatched=days, deliveries=[(status, delivered days ago or None)...])`` -> its id.

    ``dispatched``/``mailed`` None: not fanned out yet (into deliveries / into mail)."""

    def make(*, dispatched: float | None, mailed: float | None = -1, deliveries=()) -> int:
        created = dispatched if dispatched is not None else 60
        event = OutboxEvent(
            uid=str(uuid.uuid4()), kind="booking.confirm", payload={"booking": {"id": 1}}, created_at=days_ago(created),
            dispatched_at=days_ago(dispatched) if dispatched is not None else None,
            mailed_at=days_ago(created if mailed == -1 else mailed) if mailed is not None else None,
        )  # fmt: skip
        db.session.add(event)
        for endpoint_id, (status, delivered) in zip(endpoints, deliveries, strict=False):
            db.session.add(WebhookDelivery(
                event=event, endpoint_id=endpoint_id, status=status, attempts=1, created_at=days_ago(created),
                next_attempt_at=days_ago(created), delivered_at=days_ago(delivered) if delivered is not None else None,
            ))  # fmt: skip
        db.session.commit()
        return event.id

    return make


def batches_of(prune) -> list[int]:
    """What one prune deleted, batch by batch (as `onexp jobs run` shows it on its bar)."""
    steps: list[int] = []
    with progress.watching(lambda done, total: steps.append(done)):
        prune()
    return steps


def mail_left() -> set[int]:
    return set(db.session.scalars(select(MailMessage.id)))


def events_left() -> set[int]:
    return set(db.session.scalars(select(OutboxEvent.id)))


def deliveries_left() -> set[int]:
    return set(db.session.scalars(select(WebhookDelivery.event_id)))


# --- mail ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "batches"), [(4, [2, 2, 0]), (5, [2, 2, 1, 0])])
def test_mail_sent_over_a_month_ago_goes_a_batch_at_a_time_to_the_last_one(make_mail, sent, batches):
    for n in range(sent):
        make_mail(MailStatus.SENT, created=31 + n, sent=31 + n)
    kept = make_mail(MailStatus.SENT, created=29, sent=29)

    assert batches_of(lambda: mail.prune(NOW, keep=KEEP, batch=2)) == batches
    assert mail_left() == {kept}


def test_failed_and_pending_mail_stays_whatever_its_age(make_mail):
    failed = make_mail(MailStatus.FAILED, created=400)
    pending = make_mail(MailStatus.PENDING, created=90)
    make_mail(MailStatus.SENT, created=31, sent=31)

    assert mail.prune(NOW, keep=KEEP, batch=2) == 1
    assert mail_left() == {failed, pending}
    assert mail.prune(NOW, keep=KEEP, batch=2) == 0


def test_mail_is_kept_a_month_from_when_it_was_sent_not_from_when_it_was_written(make_mail):
    retried_for_long = make_mail(MailStatus.SENT, created=45, sent=20)
    assert mail.prune(NOW, keep=KEEP) == 0
    assert mail_left() == {retried_for_long}


# --- webhook events ----------------------------------------------------------------------------

DELIVERED, FAILED, PENDING = DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.PENDING


@pytest.mark.parametrize(("delivered", "batches"), [(4, [2, 2, 0]), (5, [2, 2, 1, 0])])
def test_events_every_endpoint_received_over_a_month_ago_go_with_their_deliveries_a_batch_at_a_time(
    make_event, delivered, batches
):
    for n in range(delivered):
        make_event(dispatched=31 + n, deliveries=[(DELIVERED, 31 + n), (DELIVERED, 31)])
    recent = make_event(dispatched=29, deliveries=[(DELIVERED, 29)])

    assert batches_of(lambda: webhooks.prune(NOW, keep=KEEP, batch=2)) == batches
    assert events_left() == {recent}
    assert deliveries_left() == {recent}


def test_an_event_no_endpoint_wanted_goes_once_it_is_old(make_event):
    make_event(dispatched=31, deliveries=[])
    assert webhooks.prune(NOW, keep=KEEP) == 1
    assert events_left() == set()


def test_an_event_with_a_failed_or_pending_delivery_stays_with_every_delivery_whatever_its_age(make_event):
    failed_once = make_event(dispatched=400, deliveries=[(DELIVERED, 400), (FAILED, None)])
    still_retried = make_event(dispatched=40, deliveries=[(PENDING, None), (DELIVERED, 40)])
    make_event(dispatched=40, deliveries=[(DELIVERED, 40)])

    assert webhooks.prune(NOW, keep=KEEP, batch=1) == 1
    assert events_left() == {failed_once, still_retried}
    kept = db.session.scalars(select(WebhookDelivery.status).order_by(WebhookDelivery.event_id, WebhookDelivery.id))
    assert list(kept) == [DELIVERED, FAILED, PENDING, DELIVERED]


def test_an_event_is_kept_a_month_from_its_last_delivery_and_until_it_is_fanned_out(make_event):
    delivered_late = make_event(dispatched=45, deliveries=[(DELIVERED, 45), (DELIVERED, 20)])
    not_dispatched = make_event(dispatched=None)
    not_mailed = make_event(dispatched=45, mailed=None, deliveries=[(DELIVERED, 45)])

    assert webhooks.prune(NOW, keep=KEEP) == 0
    assert events_left() == {delivered_late, not_dispatched, not_mailed}


def test_the_job_keeps_what_onexp_outbox_keep_days_says(app, make_mail, make_event):
    app.config["OUTBOX_KEEP_DAYS"] = 60
    mail_kept, event_kept = make_mail(MailStatus.SENT, created=45, sent=45), make_event(
        dispatched=45, deliveries=[(DELIVERED, 45)]
    )
    make_mail(MailStatus.SENT, created=61, sent=61)
    make_event(dispatched=61, deliveries=[(DELIVERED, 61)])

    assert jobs.prune_outbox(NOW) == {"pruned": 1, "mail_pruned": 1}
    assert (mail_left(), events_left()) == ({mail_kept}, {event_kept})
