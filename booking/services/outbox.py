"""Events for webhooks, written to the outbox in the same transaction as the change.

Booking changes need no call: every audit row (``BookingEvent``) written by the booking
services becomes a ``booking.<action>`` event when the session flushes it, so no code
path can change a booking and forget to tell. Other services call ``emit``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from booking import quotes
from booking.clock import utcnow
from booking.extensions import db
from booking.models import Booking, BookingEvent, OutboxEvent
from booking.services import extras


def emit(kind: str, payload: dict, *, organisation_id: int | None, now: datetime | None = None) -> None:
    """Queue an event in the caller's transaction; the delivery job sends it after commit."""
    db.session.add(_row(kind, payload, organisation_id, now))


def _row(kind: str, payload: dict, organisation_id: int | None, now: datetime | None) -> OutboxEvent:
    return OutboxEvent(**_values(kind, payload, organisation_id, now))


def _values(kind: str, payload: dict, organisation_id: int | None, now: datetime | None) -> dict:
    """An outbox row's column values."""
    return {
        "uid": str(uuid.uuid4()),
        "kind": kind,
        "organisation_id": organisation_id,
        "payload": payload,
        "created_at": now or utcnow(),
    }


def booking_payload(booking: Booking) -> dict:
    """What a receiver learns about a booking: the same fields as the API, in the site's time.

    Its services, streaming link and fee are the company's own business: every booking event is
    its organisation's (``organisation_id``), and only that organisation's endpoints and staff's
    receive it (webhooks._wants).
    """
    tz = ZoneInfo(booking.space.site.timezone)
    fee = booking.cancellation_fee
    return {
        "id": booking.id,
        "status": booking.status,
        "version": booking.version or 1,  # iCalendar SEQUENCE: what calendars order changes by
        "site": booking.space.site.slug,
        "space": booking.space.slug,
        "organisation": booking.organisation.slug,
        "title": booking.title,
        "attendees": booking.attendees,
        "start": booking.start_at.astimezone(tz).isoformat(),
        "end": booking.end_at.astimezone(tz).isoformat(),
        "checked_in_at": booking.checked_in_at.astimezone(tz).isoformat() if booking.checked_in_at else None,
        "services": services_json(booking),
        "online_attendees": booking.online_attendees or 0,
        "streaming_link": booking.streaming_link,
        "cancellation_fee": None if fee is None else f"{fee:.2f}",
    }


def services_json(booking: Booking) -> list[dict]:
    """Each service the booking carries with what its line of the quote costs, at the price agreed."""
    priced = extras.booking_quote(booking).items[1:]  # after the space's line, one per service, in order
    return [
        {"item": s.item.slug, "name": s.item.name, "kind": s.item.kind, "per": s.item.per, "quantity": s.quantity,
         **quotes.amounts_json(line)}
        for s, line in zip(booking.services, priced, strict=True)
    ]  # fmt: skip


def booking_event(
    booking: Booking, action: str, from_status: str | None, to_status: str | None, detail: dict, at: datetime
) -> dict:
    """The outbox row (as column values) that tells about one audit row of ``booking``."""
    payload = {
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "detail": detail or {},
        "booking": booking_payload(booking),
    }
    return _values(f"booking.{action}", payload, booking.organisation_id, at)


def _booking_events_to_outbox(session: Session, _context) -> None:
    """After a flush: one outbox row per new audit row, on the same connection and transaction."""
    rows = [
        booking_event(obj.booking, obj.action, obj.from_status, obj.to_status, obj.detail, obj.at)
        for obj in session.new
        if isinstance(obj, BookingEvent)
    ]
    if rows:
        session.connection().execute(insert(OutboxEvent), rows)


def init_app(_app) -> None:
    """Listen to the sessions' flushes (once per process)."""
    if not event.contains(Session, "after_flush", _booking_events_to_outbox):
        event.listen(Session, "after_flush", _booking_events_to_outbox)
