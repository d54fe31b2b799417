"""Check-in (by hand, or by presence) and the release of no-shows after the grace period."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from booking import daylife, rules
from booking.clock import utcnow
from booking.errors import Conflict, NotFound
from booking.extensions import db
from booking.models import AlertKind, Booking, Space, Status, User
from booking.services import alerts, bookings, signals
from booking.services.unit_of_work import after_commit, unit_of_work

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SensorView:
    """What the sensors say about a space, as the decisions need it.

    ``health(space_id, now)`` is "healthy", "stale", "offline" or "missing";
    ``presence(space_id, start, end)`` whether anyone was seen in that interval.
    """

    health: Callable[[int, datetime], str]
    presence: Callable[[int, datetime, datetime], bool]


def check_in(actor: User, booking_id: int, *, now: datetime | None = None) -> Booking:
    """A person says the booking's people are here; the owner or staff may."""
    return _checked_in(bookings.get_booking(actor, booking_id), actor, now or utcnow(), {"by": "hand"})


def check_in_at_door(space_id: int, booking_id: int, *, display: str, now: datetime | None = None) -> Booking:
    """The display at the space's door says the booking's people are here; it may only for that space."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.space_id != space_id:
        raise NotFound(f"no booking {booking_id} at this door")
    return _checked_in(booking, None, now or utcnow(), {"by": "display", "display": display})


def _checked_in(booking: Booking, actor: User | None, now: datetime, detail: dict) -> Booking:
    if booking.checked_in_at is not None:
        return booking  # idempotent: a retried request changes nothing
    decision = daylife.can_check_in(status=booking.status, start=booking.start_at, end=booking.end_at, now=now)
    if not decision:
        raise Conflict(decision.reason)
    booking_id = booking.id
    try:
        with unit_of_work():
            booking.checked_in_at = now
            bookings.record_change(booking, actor, "check_in", None, detail=detail | {"reason": decision.reason})
    except StaleDataError:  # released (or changed) a moment ago
        raise Conflict(f"booking {booking_id} changed a moment ago; reload it") from None
    return booking


def _running(now: datetime, *, early: int = daylife.CHECKIN_EARLY_MINUTES) -> list[Booking]:
    """Confirmed bookings not checked in whose check-in window contains ``now``."""
    return list(
        db.session.scalars(
            select(Booking)
            .options(joinedload(Booking.space))
            .where(
                Booking.status == Status.CONFIRMED,
                Booking.checked_in_at.is_(None),
                Booking.start_at <= now + timedelta(minutes=early),
                *Booking.ends_after(now),
            )
            .order_by(Booking.start_at)
        )
    )


def _watch_from(booking: Booking) -> datetime:
    """When presence starts to count for a booking: its check-in window opening, but not
    while the previous booking's people may still be in the room (its block, teardown included)."""
    opens, _ = daylife.checkin_window(booking.start_at, booking.end_at)
    previous_end = db.session.scalar(
        select(func.max(Booking.block_end)).where(
            Booking.space_id == booking.space_id,
            Booking.id != booking.id,
            Booking.status == Status.CONFIRMED,
            Booking.start_at < booking.start_at,
            *Booking.block_ends_after(opens),
        )
    )
    return max(opens, previous_end) if previous_end else opens


def check_in_by_presence(now: datetime, sensors: SensorView) -> int:
    """Check in every running booking whose space's sensors saw its people in its window."""
    done = 0
    for booking in _running(now):
        space: Space = booking.space
        opens = _watch_from(booking)
        decision = daylife.auto_check_in(
            status=booking.status, checked_in=False, manual_checkin=space.manual_checkin,
            start=booking.start_at, end=booking.end_at, now=now,
            presence_seen=not space.manual_checkin and sensors.presence(space.id, opens, now),
        )  # fmt: skip
        if decision:
            detail = {"by": "presence", "reason": decision.reason}
            try:
                with unit_of_work():  # a booking at a time
                    booking.checked_in_at = now
                    bookings.record_change(booking, None, "check_in", None, detail=detail)
            except StaleDataError:  # changed meanwhile (cancelled, moved): the next run looks again
                continue
            done += 1
            log.info("booking %s checked in by presence", booking.id)
    return done


def release_no_shows(now: datetime, sensors: SensorView) -> list[Booking]:
    """Release the bookings nobody came to, where it is safe to tell; each says why."""
    released = []
    for booking in _running(now, early=0):
        space: Space = booking.space
        opens, _ = daylife.checkin_window(booking.start_at, booking.end_at)
        health = sensors.health(space.id, now)
        decision = daylife.release_no_show(
            status=booking.status, checked_in=booking.checked_in_at is not None, start=booking.start_at,
            end=booking.end_at, grace_minutes=space.checkin_grace_minutes, profile=space.profile,
            manual_checkin=space.manual_checkin, sensor_health=health,
            presence_seen=not space.manual_checkin and sensors.presence(space.id, opens, now), now=now,
        )  # fmt: skip
        if not decision:
            log.debug("booking %s not released: %s", booking.id, decision.reason)
            continue
        booking_id = booking.id
        why = {"reason": decision.reason, "sensor_health": health, "grace_minutes": space.checkin_grace_minutes}
        try:
            with unit_of_work():  # the release and its alert together, a booking at a time
                target = rules.next_status(booking.status, "release")
                bookings.record_change(booking, None, "release", target, detail=why)
                alerts.raise_alert(
                    AlertKind.NO_SHOW, space, booking=booking, message=decision.reason, now=now,
                    detail={"start": booking.start_at.isoformat(), "sensor_health": health},
                )  # fmt: skip
                after_commit(lambda booking=booking: signals.slot_freed.send(booking, now=now))
        except StaleDataError:
            # someone checked in (or changed the booking) since we read it: theirs wins
            log.info("booking %s changed while being released; left as it is", booking_id)
            continue
        log.info("booking %s released: %s", booking.id, decision.reason)
        released.append(booking)
    return released
