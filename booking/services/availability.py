"""Which spaces are free for a time window, and what each would cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from booking import rules
from booking.errors import Invalid
from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking, Site, Space, Status
from booking.rules import Problem
from booking.services import catalog


@dataclass
class Offer:
    space: Space
    quote: rules.Quote


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
        raise Invalid([Problem("end", "must be after start")])
    # The few sites, loaded once and held here: space.site then comes from the identity map,
    # where joining them would parse each site's JSON hours again for every one of its spaces.
    sites_by_slug = {s.slug: s for s in db.session.scalars(select(Site))}
    query = select(Space).where(Space.active)
    if site:
        if site not in sites_by_slug:
            raise Invalid([Problem("site", f"unknown site {site!r}")])
        query = query.where(Space.site_id == sites_by_slug[site].id)
    if kind:
        query = query.where(Space.kind == kind)
    spaces = list(db.session.scalars(query))
    if equipment:
        known = {item for space in spaces for item in space.equipment}
        unknown = [item for item in equipment if item not in known]
        if unknown:
            raise Invalid([Problem("equipment", f"unknown equipment: {', '.join(unknown)}")])
        spaces = [s for s in spaces if set(equipment) <= set(s.equipment)]
    closures = catalog.closures_by_space(spaces)
    candidates = []
    for space in spaces:
        policy = catalog.policy_of(space, closures[space.id])
        if not rules.check_booking(policy, start, end, attendees, now=now, layout=layout):
            candidates.append((space, policy))
    busy = _busy_spaces(candidates, start, end, now)
    offers = [Offer(space, rules.quote(policy, start, end)) for space, policy in candidates if space.id not in busy]
    return sorted(offers, key=lambda o: (o.quote.excl_vat, o.space.site.slug, o.space.slug))


def _busy_spaces(
    candidates: list[tuple[Space, rules.SpacePolicy]], start: datetime, end: datetime, now: datetime
) -> set[int]:
    """Ids of candidate spaces whose active bookings overlap the window widened by their buffers."""
    if not candidates:
        return set()
    blocks = {space.id: rules.blocked_interval(policy, start, end) for space, policy in candidates}
    earliest = min(b[0] for b in blocks.values())
    latest = max(b[1] for b in blocks.values())
    rows = db.session.execute(
        select(Booking.space_id, Booking.block_start, Booking.block_end, Booking.status, Booking.hold_expires_at).where(
            Booking.space_id.in_(blocks),
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.block_start < latest,
            Booking.block_start >= earliest - rules.MAX_BLOCK,
            Booking.block_end > earliest,
        )
    )
    busy = set()
    for space_id, block_start, block_end, status, expires in rows:
        if status == Status.HOLD and expires is not None and expires <= now:
            continue  # a lapsed hold the scheduler has not expired yet
        own_start, own_end = blocks[space_id]
        if rules.overlaps(block_start, block_end, own_start, own_end):
            busy.add(space_id)
    return busy


def sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.name)))
