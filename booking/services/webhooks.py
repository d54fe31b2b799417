"""Webhooks: endpoints companies and staff register, and delivery of the outbox to them.

Delivery is at least once. Each attempt is recorded (attempts + 1, next try scheduled)
and committed *before* the POST, so a crash mid-delivery retries later instead of losing
the event; the price is that a receiver may see one event twice, so every request
carries ``Webhook-Id`` (the event's id, the same on every attempt) to deduplicate on.

Each endpoint receives its events in order within a run (one thread per endpoint, and
after a failure the rest of its queue waits); a retried event can still arrive after a
later one, so receivers should order by ``created_at``.

Requests are signed: ``Webhook-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">``
with the endpoint's secret, and ``Webhook-Timestamp`` (Unix seconds) lets receivers
refuse replays. Redirects are never followed (they could lead to a private address).
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, or_, select

from booking import access
from booking.errors import Invalid, NotFound
from booking.extensions import db
from booking.infra import egress, metrics
from booking.models import DeliveryStatus, OutboxEvent, User, WebhookDelivery, WebhookEndpoint
from booking.rules import TRANSITIONS, Problem
from booking.services.batches import DELETE_BATCH, in_batches
from booking.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

# Every kind of event the outbox carries: booking.<action> for each audit row of a booking
# (services/outbox.py), alert.<what> (services/alerts.py), waitlist.offered (services/waitlist.py).
EVENT_KINDS = (
    *(f"booking.{action}" for action in ("create", "reschedule", "check_in", *TRANSITIONS)),
    "alert.raised", "alert.acknowledged", "alert.resolved",
    "waitlist.offered",
)  # fmt: skip
FAMILIES = tuple(dict.fromkeys(kind.partition(".")[0] for kind in EVENT_KINDS))
# What an endpoint may subscribe to: everything, a family, or one kind
EVENT_PATTERNS = ("*", *(f"{family}.*" for family in FAMILIES), *EVENT_KINDS)
MAX_BACKOFF = timedelta(hours=6)
USER_AGENT = "OneXperience-Webhooks/1"


# --- endpoints --------------------------------------------------------------------------


def _refusal(url: str) -> str | None:
    config = current_app.config
    return egress.refusal(
        url,
        allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
        allowed_hosts=config["WEBHOOK_ALLOWED_HOSTS"].split(","),
    )


def register(actor: User, url: str, events: list[str], *, description: str = "") -> WebhookEndpoint:
    """A company's endpoint gets its own events; a staff endpoint gets every event."""
    with unit_of_work():
        problems = []
        reason = _refusal(url)
        if reason:
            problems.append(Problem("url", reason))
        for i, pattern in enumerate(events):
            if pattern not in EVENT_PATTERNS:
                kinds = ", ".join(EVENT_KINDS)
                hint = f"{pattern!r} is not an event kind: use *, booking.*, alert.*, waitlist.* or one of {kinds}"
                problems.append(Problem(f"events[{i}]", hint))
        if problems:
            raise Invalid(problems)
        endpoint = WebhookEndpoint(
            organisation_id=access.own_organisation(actor), created_by_id=actor.id, url=url,
            secret="whsec_" + secrets.token_urlsafe(32), events=events, description=description,
        )  # fmt: skip
        db.session.add(endpoint)
    return endpoint


def _visible(actor: User):
    """Endpoints are their owner's: a company's own, or the venue-wide ones staff made."""
    owner = access.own_organisation(actor)
    query = select(WebhookEndpoint).where(WebhookEndpoint.active)
    return query.where(WebhookEndpoint.organisation_id.is_not_distinct_from(owner))  # None: staff's own


def list_endpoints(actor: User) -> list[WebhookEndpoint]:
    return list(db.session.scalars(_visible(actor).order_by(WebhookEndpoint.id)))


def get_endpoint(actor: User, endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.scalar(_visible(actor).where(WebhookEndpoint.id == endpoint_id))
    if endpoint is None:
        raise NotFound(f"no webhook {endpoint_id}")
    return endpoint


def remove(actor: User, endpoint_id: int) -> None:
    """Stop calling an endpoint; its pending deliveries are dropped as failed."""
    with unit_of_work():
        endpoint = get_endpoint(actor, endpoint_id)
        endpoint.active = False
        for delivery in db.session.scalars(
            select(WebhookDelivery).where(
                WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.PENDING
            )
        ):
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = "the endpoint was removed"


def recent_deliveries(actor: User, endpoint_id: int, limit: int = 50) -> list[WebhookDelivery]:
    endpoint = get_endpoint(actor, endpoint_id)
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


# --- signing ----------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (and what the tests do) to trust a request."""
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


def body_of(event: OutboxEvent) -> bytes:
    document = {"id": event.uid, "type": event.kind, "created_at": event.created_at.isoformat(), "data": event.payload}
    return json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode()


# --- delivery ---------------------------------------------------------------------------


def _wants(endpoint: WebhookEndpoint, event: OutboxEvent) -> bool:
    """Staff's endpoints hear of everything; a company's only of its own (its bookings' services,
    streaming links and fees ride in the events, see outbox.booking_payload)."""
    if endpoint.organisation_id is not None and endpoint.organisation_id != event.organisation_id:
        return False
    return any(fnmatch.fnmatchcase(event.kind, pattern) for pattern in endpoint.events)


def dispatch(now: datetime, batch: int = 500) -> int:
    """Fan new outbox events out into one delivery per interested endpoint."""
    with unit_of_work():
        events = db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None)).order_by(OutboxEvent.id).limit(batch)
        ).all()
        if not events:
            return 0
        org_ids = {e.organisation_id for e in events}
        endpoints = db.session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.active,
                or_(WebhookEndpoint.organisation_id.is_(None), WebhookEndpoint.organisation_id.in_(org_ids - {None})),
            )
        ).all()
        made = 0
        for event in events:
            for endpoint in endpoints:
                if _wants(endpoint, event):
                    db.session.add(WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=now, created_at=now))
                    made += 1
            event.dispatched_at = now
    return made


def prune(now: datetime, *, keep: timedelta, batch: int = DELETE_BATCH) -> int:
    """Forget events fanned out more than ``keep`` ago whose every delivery went through more than
    ``keep`` ago, with those deliveries, a batch per transaction.

    Every booking change writes an event: kept forever, the outbox would outgrow the bookings.
    Staff see recent deliveries per endpoint; a month of history is what that page needs. An event
    with a delivery still pending (retried) or failed stays, whatever its age: that is the one staff
    need to look at, and the one a retry would send again.
    """
    cutoff = now - keep
    unsettled = select(WebhookDelivery.id).where(
        WebhookDelivery.event_id == OutboxEvent.id,
        or_(WebhookDelivery.status != DeliveryStatus.DELIVERED, WebhookDelivery.delivered_at >= cutoff),
    )
    old = select(OutboxEvent.id).where(
        OutboxEvent.dispatched_at < cutoff, OutboxEvent.mailed_at.is_not(None), ~exists(unsettled)
    )

    def one_batch() -> int:
        ids = db.session.scalars(old.order_by(OutboxEvent.id).limit(batch)).all()
        if ids:
            db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(ids)))
            db.session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
        return len(ids)

    return in_batches(one_batch)


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """Wait before the next attempt: base, 2×base, 4×base... at most six hours."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    endpoint_id: int
    url: str
    body: bytes
    headers: dict


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""
    final: bool = False  # retrying cannot help (refused target, redirect)
    sent: bool = True  # False: held back behind an earlier failure to the same endpoint


def post(attempt: Attempt, *, timeout: float, allow_private: bool, allowed_hosts: list[str]) -> Outcome:
    """One HTTP attempt, isolated: it never raises and never waits longer than ``timeout`` per address."""
    try:  # checked again at send time: DNS may have changed since registration
        target = egress.target(attempt.url, allow_private=allow_private, allowed_hosts=allowed_hosts)
    except egress.Refused as refused:
        return Outcome(False, error=f"refused: {refused}", final=True)
    try:
        # to the address just checked: resolving the name again could reach another one
        answer = egress.post(target, attempt.body, attempt.headers, timeout=timeout)
    except egress.Unreachable as exc:
        return Outcome(False, error=str(exc))
    if 200 <= answer.status < 300:
        return Outcome(True, answer.status)
    if 300 <= answer.status < 400:
        return Outcome(False, answer.status, f"redirect to {answer.location or '?'} not followed", final=True)
    return Outcome(False, answer.status, f"HTTP {answer.status}")


def _claim(now: datetime, batch: int, base_seconds: int) -> list[Attempt]:
    """Count the attempt and schedule the next one before sending: a crash cannot lose it."""
    with unit_of_work():
        due = db.session.scalars(
            select(WebhookDelivery)
            .join(WebhookEndpoint)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.active,
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(batch)
        ).all()
        attempts = []
        timestamp = int(now.timestamp())
        for delivery in due:
            delivery.attempts += 1
            delivery.next_attempt_at = now + backoff(delivery.attempts, base_seconds)
            body = body_of(delivery.event)
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Webhook-Id": delivery.event.uid,
                "Webhook-Timestamp": str(timestamp),
                "Webhook-Signature": sign(delivery.endpoint.secret, timestamp, body),
                "Webhook-Attempt": str(delivery.attempts),
            }
            attempts.append(Attempt(delivery.id, delivery.endpoint_id, delivery.endpoint.url, body, headers))
    return attempts


def deliver_due(now: datetime | None = None, *, batch: int = 100) -> dict[str, int]:
    """Dispatch new events, then send what is due, in parallel; record each outcome."""
    now = now or datetime.now(UTC)
    config = current_app.config
    dispatched = dispatch(now)
    attempts = _claim(now, batch, config["WEBHOOK_BACKOFF_SECONDS"])
    counts = {"dispatched": dispatched, "delivered": 0, "retrying": 0, "failed": 0}
    if not attempts:
        return counts
    options = dict(
        timeout=config["WEBHOOK_TIMEOUT_SECONDS"],
        allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
        allowed_hosts=config["WEBHOOK_ALLOWED_HOSTS"].split(","),
    )
    by_endpoint: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        by_endpoint.setdefault(attempt.endpoint_id, []).append(attempt)

    def send_in_order(queue: list[Attempt]) -> list[tuple[Attempt, Outcome]]:
        """One endpoint's events in order; after a failure the rest wait for the next run."""
        results = []
        for attempt in queue:
            if results and not results[-1][1].ok:
                results.append((attempt, Outcome(False, error="held back behind a failed delivery", sent=False)))
            else:
                results.append((attempt, post(attempt, **options)))
        return results

    # a thread per endpoint: a slow or failing one holds up only itself
    with ThreadPoolExecutor(max_workers=min(config["WEBHOOK_CONCURRENCY"], len(by_endpoint))) as pool:
        results = [pair for group in pool.map(send_in_order, by_endpoint.values()) for pair in group]
    with unit_of_work():
        max_attempts = config["WEBHOOK_MAX_ATTEMPTS"]
        for attempt, outcome in results:
            delivery = db.session.get(WebhookDelivery, attempt.delivery_id)
            if not outcome.sent:
                delivery.attempts -= 1  # it was never sent: the attempt does not count
                continue
            delivery.last_status_code = outcome.status_code
            delivery.last_error = outcome.error[:500]
            if outcome.ok:
                delivery.status = DeliveryStatus.DELIVERED
                delivery.delivered_at = now
                counts["delivered"] += 1
            elif outcome.final or delivery.attempts >= max_attempts:
                delivery.status = DeliveryStatus.FAILED
                counts["failed"] += 1
                log.warning("webhook delivery %s failed for good: %s", delivery.id, outcome.error)
            else:
                counts["retrying"] += 1
                retry_at = delivery.next_attempt_at
                log.info("webhook delivery %s will retry at %s: %s", delivery.id, retry_at, outcome.error)
    for outcome_name in ("delivered", "retrying", "failed"):
        metrics.WEBHOOK_DELIVERIES.labels(outcome_name).inc(counts[outcome_name])
    return counts
