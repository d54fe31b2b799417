"""Which spaces are free for a time window, and what each would cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from booking import rules
from booking.errors import Invalid
from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking, ServiceItem, Site, Space
from booking.rules import Problem
from booking.services import catalog, extras


@dataclass
class Offer:
    space: Space
    quote: rules.Quote
    # what the space may carry, with how many are left for the window (None: no stock to run out)
    services: list[tuple[ServiceItem, int | None]] = field(default_factory=list)


def find_free_spaces(
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    attendees: int = 1,
    site: str | None = None,
    kind: str | None = None,
    equipment: tuple[str, ...] = (),
    layout: str | None = None,
) -> list[Offer]:
    """Spaces that could be booked from ``start`` to ``end`` right now, cheapest first."""
    if end <= start:
        raise Invalid([Problem("end", "must be after start", "end_before_start")])
    # The few sites, loaded once and held here: space.site then comes from the identity map,
    # where joining them would parse each site's JSON hours again for every one of its spaces.
    sites_by_slug = {s.slug: s for s in db.session.scalars(select(Site))}
    # First the few columns that say whether a space is busy; only the free spaces are then
    # loaded in full and checked against their rules: on a busy day that is a fraction of them.
    query = select(Space.id, Space.setup_minutes, Space.teardown_minutes, Space.equipment, Space.max_minutes).where(
        Space.active
    )
    if site:
        if site not in sites_by_slug:
            raise Invalid([Problem("site", f"unknown site {site!r}", "unknown_site", {"site": site})])
        query = query.where(Space.site_id == sites_by_slug[site].id)
    if kind:
        query = query.where(Space.kind == kind)
    rows = db.session.execute(query).all()
    if equipment:
        known = {item for row in rows for item in row.equipment}
        unknown = [item for item in equipment if item not in known]
        if unknown:
            message = f"unknown equipment: {', '.join(unknown)}"
            raise Invalid([Problem("equipment", message, "unknown_equipment", {"items": unknown})])
        rows = [row for row in rows if set(equipment) <= set(row.equipment)]
    _refuse_longer_than_any_booking(rows, start, end)
    busy = _busy_spaces(rows, start, end, now)
    free = [row.id for row in rows if row.id not in busy]
    spaces = list(db.session.scalars(select(Space).where(Space.id.in_(free)))) if free else []
    closures = catalog.closures_by_space(spaces)
    offers = []
    offer_of_site: dict[int, list[tuple[ServiceItem, int | None]]] = {}
    for space in spaces:
        policy = catalog.policy_of(space, closures[space.id])
        if not rules.check_booking(policy, start, end, attendees, now=now, layout=layout):
            if space.site_id not in offer_of_site:
                offer_of_site[space.site_id] = _site_offer(space.site_id, start, end, now)
            services = [(item, left) for item, left in offer_of_site[space.site_id] if item.offered_in(space.slug)]
            quote = extras.quote(space, rules.quote(policy, start, end), [], start)
            offers.append(Offer(space, quote, services))
    return sorted(offers, key=lambda o: (o.quote.excl_vat, o.space.site.slug, o.space.slug))


def _site_offer(site_id: int, start: datetime, end: datetime, now: datetime) -> list[tuple[ServiceItem, int | None]]:
    """A site's services, each kit with how many are left for the whole window."""
    left = extras.stock_left(site_id, start, end, now)
    return [(item, left.get(item.id)) for item in extras.items_of(site_id).values()]


def _refuse_longer_than_any_booking(rows: list, start: datetime, end: datetime) -> None:
    """No space is free for a window longer than its longest booking: say so rather than check them all.

    Checking each space's hours day by day cost about a second per century of window.
    """
    longest = max((row.max_minutes for row in rows), default=0)
    if rows and end - start > timedelta(minutes=longest):
        reason = f"the window is longer than the longest booking a space allows ({longest} minutes)"
        raise Invalid([Problem("end", reason, "window_longer_than_any_booking", {"minutes": longest})])


def _busy_spaces(rows: list, start: datetime, end: datetime, now: datetime) -> set[int]:
    """Ids of the spaces (rows of id, setup and teardown minutes) whose active bookings overlap
    the window widened by that space's buffers, as rules.blocked_interval widens it."""
    if not rows:
        return set()
    blocks = {
        row.id: (start - timedelta(minutes=row.setup_minutes), end + timedelta(minutes=row.teardown_minutes))
        for row in rows
    }
    earliest = min(b[0] for b in blocks.values())
    latest = max(b[1] for b in blocks.values())
    found = db.session.execute(
        select(Booking.space_id, Booking.block_start, Booking.block_end, Booking.status, Booking.hold_expires_at).where(
            Booking.space_id.in_(blocks),
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.block_start < latest,
            *Booking.block_ends_after(earliest),
        )
    )
    busy = set()
    for space_id, block_start, block_end, status, expires in found:
        if rules.hold_lapsed(status, expires, now):
            continue  # the scheduler has not expired it yet
        own_start, own_end = blocks[space_id]
        if rules.overlaps(block_start, block_end, own_start, own_end):
            busy.add(space_id)
    return busy


def sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.name)))
