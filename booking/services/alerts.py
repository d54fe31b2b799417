"""Alerts: raise once per condition, let staff acknowledge, resolve by hand or when it clears.

``watch_spaces`` is the scheduler's side: it asks ``daylife.occupancy_alerts`` what holds in
each space now, raises that (deduplicated) and resolves what stopped holding.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking import daylife, rules
from booking.clock import utcnow
from booking.errors import Conflict, NotFound
from booking.extensions import db
from booking.models import ACTIVE_STATUSES, OPEN_ALERT_STATUSES, Alert, AlertKind, AlertStatus, Booking, Space, User
from booking.rules import Status
from booking.services import catalog, outbox
from booking.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


def open_key(kind: str, space_id: int, booking_id: int | None) -> str:
    return f"{kind}:{space_id}:{booking_id if booking_id is not None else '-'}"


def alert_payload(alert: Alert) -> dict:
    tz = ZoneInfo(alert.space.site.timezone)

    def local(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    return {
        "id": alert.id,
        "kind": alert.kind,
        "status": alert.status,
        "site": alert.space.site.slug,
        "space": alert.space.slug,
        "booking": alert.booking_id,
        "message": alert.message,
        "detail": alert.detail,
        "raised_at": local(alert.raised_at),
        "acknowledged_at": local(alert.acknowledged_at),
        "resolved_at": local(alert.resolved_at),
    }


def _emit(alert: Alert, what: str, now: datetime) -> None:
    db.session.flush()
    org = alert.booking.organisation_id if alert.booking is not None else None
    outbox.emit(f"alert.{what}", alert_payload(alert), organisation_id=org, now=now)


def raise_alert(
    kind: str, space: Space, *, booking: Booking | None = None, message: str = "", detail: dict | None = None,
    now: datetime | None = None,
) -> tuple[Alert, bool]:  # fmt: skip
    """The open alert for this condition, raising it when there is none; (alert, newly raised).

    Inside a caller's unit of work (a no-show released with its alert), it commits with the caller.
    """
    now = now or utcnow()
    AlertKind(kind)  # an unknown kind is a programming error
    key = open_key(kind, space.id, booking.id if booking else None)
    with unit_of_work():
        existing = db.session.scalar(select(Alert).where(Alert.open_key == key, Alert.status.in_(OPEN_ALERT_STATUSES)))
        if existing is not None:
            existing.last_seen_at = now
            return existing, False
        alert = Alert(
            kind=kind, space=space, booking=booking, open_key=key, status=AlertStatus.RAISED, message=message,
            detail=detail or {}, raised_at=now, last_seen_at=now,
        )  # fmt: skip
        try:
            with db.session.begin_nested():
                db.session.add(alert)
                db.session.flush()
        except IntegrityError:
            # another process raised it a moment ago: the partial unique index keeps one open
            query = select(Alert).where(Alert.open_key == key, Alert.status.in_(OPEN_ALERT_STATUSES))
            return db.session.scalar(query), False
        _emit(alert, "raised", now)
        log.info("alert raised: %s at %s/%s: %s", kind, space.site.slug, space.slug, message)
    return alert, True


def get_alert(alert_id: int) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def list_alerts(
    *, status: str | None = None, kind: str | None = None, site: str | None = None, space: str | None = None,
    open_only: bool = False, limit: int = 200,
) -> list[Alert]:  # fmt: skip
    """Alerts, newest first, filtered."""
    query = select(Alert)
    if status:
        query = query.where(Alert.status == status)
    if open_only:
        query = query.where(Alert.status.in_(OPEN_ALERT_STATUSES))
    if kind:
        query = query.where(Alert.kind == kind)
    if site and space:
        query = query.where(Alert.space_id == catalog.get_space(site, space).id)
    elif site:
        query = query.where(Alert.space_id.in_(select(Space.id).where(Space.site_id == catalog.get_site(site).id)))
    return list(db.session.scalars(query.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)))


def acknowledge(actor: User, alert_id: int, *, now: datetime | None = None) -> Alert:
    """Someone is on it."""
    with unit_of_work():
        now = now or utcnow()
        alert = get_alert(alert_id)
        if alert.status != AlertStatus.RAISED:
            raise Conflict(f"alert {alert_id} is {alert.status}, not raised")
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = now
        alert.acknowledged_by_id = actor.id
        _emit(alert, "acknowledged", now)
    return alert


def resolve(actor: User | None, alert_id: int, *, now: datetime | None = None, reason: str = "") -> Alert:
    """Close an alert; ``actor`` None when the scheduler saw the condition clear."""
    with unit_of_work():
        now = now or utcnow()
        alert = get_alert(alert_id)
        if alert.status == AlertStatus.RESOLVED:
            raise Conflict(f"alert {alert_id} is resolved already")
        _resolve(alert, actor, now, reason)
    return alert


def _resolve(alert: Alert, actor: User | None, now: datetime, reason: str) -> None:
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = now
    alert.resolved_by_id = actor.id if actor else None
    if reason:
        alert.detail = {**alert.detail, "resolution": reason}
    _emit(alert, "resolved", now)


def resolve_cleared(space: Space, kinds: set[str], still_true: set[str], *, now: datetime) -> int:
    """Resolve the open alerts of ``kinds`` in a space whose open key is no longer a condition.

    The caller commits; returns how many were resolved.
    """
    open_alerts = db.session.scalars(
        select(Alert).where(Alert.space_id == space.id, Alert.kind.in_(kinds), Alert.status.in_(OPEN_ALERT_STATUSES))
    ).all()
    resolved = 0
    for alert in open_alerts:
        if alert.open_key not in still_true:
            _resolve(alert, None, now, "the condition cleared")
            resolved += 1
    return resolved


# --- watching the spaces (the scheduler) ---------------------------------------------------

# the alerts the watch raises and resolves itself; no-shows are closed by a person
WATCHED = frozenset({"over_capacity", "in_use_without_booking", "overrun", "sensor_offline"})
BOOKED_NOW = (Status.CONFIRMED, Status.PENDING)


def _slot(booking: Booking | None) -> daylife.Slot | None:
    if booking is None:
        return None
    capacities = booking.space.capacities
    capacity = capacities.get(booking.layout) if booking.layout else None
    return daylife.Slot(
        booking.id, booking.start_at, booking.end_at, booking.block_start, booking.block_end,
        booking.attendees, capacity or booking.space.max_capacity,
    )  # fmt: skip


def _around(space: Space, now: datetime) -> tuple[Booking | None, Booking | None, Booking | None]:
    """The booking holding the space now, the last one that ended, and the next to start."""
    mine = select(Booking).where(Booking.space_id == space.id)
    # No block is longer than MAX_BLOCK: one still running began at most that long ago, and one that
    # ended within MAX_BLOCK began at most twice that. The block_start bounds say so to the
    # (space_id, block_start) index, which otherwise reads every booking the space ever had.
    current = db.session.scalar(
        mine.where(
            Booking.status.in_(BOOKED_NOW),
            Booking.block_start <= now,
            *Booking.block_ends_after(now),
        )
        .order_by(Booking.start_at)
        .limit(1)
    )
    previous = db.session.scalar(
        mine.where(
            Booking.status == Status.CONFIRMED,
            Booking.end_at <= now,
            Booking.end_at > now - rules.MAX_BLOCK,
            Booking.block_start >= now - 2 * rules.MAX_BLOCK,
        )
        .order_by(Booking.end_at.desc())
        .limit(1)
    )
    following = db.session.scalar(
        mine.where(
            Booking.status.in_(ACTIVE_STATUSES), Booking.block_start > now, Booking.block_start < now + rules.MAX_BLOCK
        )
        .order_by(Booking.block_start)
        .limit(1)
    )
    return current, previous, following


def watch_space(space: Space, now: datetime) -> dict[str, int]:
    """Raise what holds in one space now, resolve what stopped holding; the caller commits."""
    from booking.services import readings

    live = readings.live_occupancy(space, now)
    current, previous, following = _around(space, now)
    calls = daylife.occupancy_alerts(
        now=now, sensor_health=live["health"], count=live["count"], present=bool(live["present"]),
        safety_limit=space.safety_limit, max_capacity=space.max_capacity, current=_slot(current),
        previous=_slot(previous), following=_slot(following),
    )  # fmt: skip
    raised = 0
    bookings_by_id = {b.id: b for b in (current, previous, following) if b is not None}
    for call in calls:
        detail = {**call.detail, "health": live["health"], "count": live["count"]}
        _, new = raise_alert(
            call.kind, space, booking=bookings_by_id.get(call.booking_id), message=call.message, detail=detail,
            now=now,
        )  # fmt: skip
        raised += new
    still = {open_key(c.kind, space.id, c.booking_id) for c in calls}
    return {"raised": raised, "resolved": resolve_cleared(space, set(WATCHED), still, now=now)}


def watch_spaces(now: datetime | None = None) -> dict[str, int]:
    """Every active space, once: the scheduler's view of what needs a person."""
    now = now or utcnow()
    totals = {"raised": 0, "resolved": 0}
    for space in db.session.scalars(select(Space).where(Space.active).order_by(Space.id)).all():
        with unit_of_work():  # a space at a time: one space's trouble does not hold back the others' alerts
            for name, value in watch_space(space, now).items():
                totals[name] += value
    return totals
