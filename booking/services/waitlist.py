"""The waitlist: a company asks for a taken slot; when it frees, the first in line gets a hold."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from booking import access, rules
from booking.clock import utcnow
from booking.errors import Conflict, DomainError, Invalid, NotFound
from booking.extensions import db
from booking.models import Booking, User, WaitlistEntry, WaitStatus
from booking.services import bookings, catalog, outbox, signals
from booking.services.bookings import BookingRequest
from booking.services.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


def join(actor: User, req: BookingRequest, *, organisation: str | None = None, now: datetime | None = None):
    """Queue for a slot that is taken now; a free slot should simply be booked."""
    now = now or utcnow()
    with unit_of_work():
        space = catalog.get_space(req.site, req.space, as_field=True)
        org = bookings.organisation_for(actor, organisation)
        policy = catalog.policy_of(space)
        plan = rules.plan_booking(policy, req.start, req.end, req.attendees, now=now, layout=req.layout)
        if plan.problems:
            raise Invalid(plan.problems)
        if not bookings.taken(space, plan.block, now):  # refused: the lapsed holds it expired stay as they were
            where = {"site": space.site.slug, "space": space.slug}
            message = f"{where['site']}/{where['space']} is free then: book it instead"
            raise Conflict(message, code="free_then", params=where)
        entry = WaitlistEntry(
            organisation=org, requested_by=actor, space=space, start_at=req.start, end_at=req.end,
            attendees=req.attendees, layout=req.layout, title=req.title, status=WaitStatus.WAITING, created_at=now,
        )  # fmt: skip
        db.session.add(entry)
    return entry


def list_entries(
    actor: User, *, status: str | None = None, start: datetime | None = None, end: datetime | None = None,
    limit: int = 200,
) -> list[WaitlistEntry]:  # fmt: skip
    """A company's own entries (staff: every company's) for slots overlapping [start, end), soonest
    first, at most ``limit``: the queues of years past stay out of the answer and out of the scan."""
    query = access.visible(select(WaitlistEntry), WaitlistEntry.organisation_id, actor)
    if status:
        query = query.where(WaitlistEntry.status == status)
    if start:
        # a slot waited for is a booking asked for: no longer than MAX_BLOCK, so one that ends
        # after ``start`` began at most that long before it, the bound the start_at index needs
        query = query.where(WaitlistEntry.end_at > start, WaitlistEntry.start_at >= start - rules.MAX_BLOCK)
    if end:
        query = query.where(WaitlistEntry.start_at < end)
    return list(db.session.scalars(query.order_by(WaitlistEntry.start_at, WaitlistEntry.id).limit(limit)))


def get_entry(actor: User, entry_id: int) -> WaitlistEntry:
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None or not access.may_see(actor, entry.organisation_id):
        raise NotFound(f"no waitlist entry {entry_id}")
    return entry


def cancel(actor: User, entry_id: int) -> WaitlistEntry:
    """Leave the queue."""
    with unit_of_work():
        entry = get_entry(actor, entry_id)
        if entry.status != WaitStatus.WAITING:
            raise Conflict(f"this waitlist entry is {entry.status}")
        entry.status = WaitStatus.CANCELLED
    return entry


def init_app(_app) -> None:
    """Offer every freed slot to those waiting (connected once per process: blinker keeps one)."""
    signals.slot_freed.connect(_on_slot_freed)


def _on_slot_freed(freed: Booking, *, now: datetime | None = None) -> None:
    offer_freed_slot(freed, now=now)


def offer_freed_slot(freed: Booking, *, now: datetime | None = None) -> list[WaitlistEntry]:
    """A booking stopped occupying its space: offer its time to those waiting, first come first served."""
    return offer(freed.space_id, freed.block_start, freed.block_end, now=now)


def offer(space_id: int, start: datetime, end: datetime, *, now: datetime | None = None) -> list[WaitlistEntry]:
    """Give a hold to each waiting entry overlapping [start, end) that can now be booked, oldest first."""
    now = now or utcnow()
    waiting = db.session.scalars(
        select(WaitlistEntry)
        .where(
            WaitlistEntry.space_id == space_id,
            WaitlistEntry.status == WaitStatus.WAITING,
            WaitlistEntry.start_at < end,
            WaitlistEntry.end_at > start,
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    ).all()
    offered = []
    for entry in waiting:
        if _offer(entry, now):
            offered.append(entry)
    return offered


def _offer(entry: WaitlistEntry, now: datetime) -> bool:
    if entry.start_at <= now:
        with unit_of_work():
            entry.status = WaitStatus.LAPSED
        return False
    space = entry.space
    req = BookingRequest(
        site=space.site.slug, space=space.slug, start=entry.start_at, end=entry.end_at, title=entry.title,
        attendees=entry.attendees, layout=entry.layout, notes=f"from waitlist entry {entry.id}",
    )  # fmt: skip
    entry_id = entry.id
    try:
        with unit_of_work():  # the hold and the offer that names it, together or not at all
            hold = bookings.book(entry.requested_by, req, hold=True, organisation=entry.organisation.slug, now=now)
            entry = db.session.get(WaitlistEntry, entry_id)
            entry.status = WaitStatus.OFFERED
            entry.booking_id = hold.id
            entry.offered_at = now
            outbox.emit(
                "waitlist.offered",
                {"waitlist_entry": entry.id, "booking": outbox.booking_payload(hold),
                 "hold_expires_at": hold.hold_expires_at.isoformat() if hold.hold_expires_at else None},
                organisation_id=entry.organisation_id, now=now,
            )  # fmt: skip
    except DomainError as error:
        log.debug("waitlist entry %s not offered: %s", entry_id, error.detail)
        return False
    log.info("waitlist entry %s offered hold %s", entry.id, hold.id)
    return True


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Scheduler: lapse entries whose time passed, and offer slots freed while nobody was looking."""
    with unit_of_work():
        now = now or utcnow()
        lapsed = 0
        for entry in db.session.scalars(
            select(WaitlistEntry).where(WaitlistEntry.status == WaitStatus.WAITING, WaitlistEntry.start_at <= now)
        ).all():
            entry.status = WaitStatus.LAPSED
            lapsed += 1
    offered = 0
    spaces = db.session.execute(
        select(WaitlistEntry.space_id, WaitlistEntry.start_at, WaitlistEntry.end_at)
        .where(WaitlistEntry.status == WaitStatus.WAITING)
        .order_by(WaitlistEntry.created_at)
    ).all()
    for space_id, start, end in spaces:
        offered += len(offer(space_id, start, end, now=now))
    return {"lapsed": lapsed, "offered": offered}
