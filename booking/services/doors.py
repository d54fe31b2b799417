"""What each space's door display shows: free, booked or occupied, and the current and next booking."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking, Site, Space
from booking.services.readings import live_states

LOOK_AHEAD = timedelta(days=1)  # "next booking" is today's or tomorrow's, not next year's


def door_states(now: datetime, space_ids: set[int] | None = None) -> list[dict]:
    """The door display state of the given spaces (all active ones when None), in one pass."""
    query = select(Space).options(joinedload(Space.site)).where(Space.active).order_by(Space.id)
    if space_ids is not None:
        query = query.where(Space.id.in_(space_ids))
    spaces = list(db.session.scalars(query))
    if not spaces:
        return []
    bookings = db.session.scalars(
        select(Booking)
        .options(joinedload(Booking.organisation))
        .where(
            Booking.space_id.in_([space.id for space in spaces]),
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.end_at > now,
            Booking.start_at < now + LOOK_AHEAD,
            *Booking.block_ends_after(now),  # its block outlasts it: the bound of the (space_id, block_start) index
            Booking.block_start < now + LOOK_AHEAD,
        )
        .order_by(Booking.start_at)
    )
    by_space: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_space.setdefault(booking.space_id, []).append(booking)
    states = []
    for space, live in zip(spaces, live_states(spaces, now), strict=True):
        upcoming = by_space.get(space.id, [])
        current = next((b for b in upcoming if b.start_at <= now), None)
        following = next((b for b in upcoming if b.start_at > now), None)
        if live["present"] and live["fresh"]:
            state = "occupied"
        elif current is not None:
            state = "booked"
        else:
            state = "free"
        states.append(
            {
                "site": space.site.slug,
                "space": space.slug,
                "name": space.name,
                "state": state,
                "count": live["count"] if live["fresh"] else None,
                "sensors": live["health"],
                "current": _booking(current, space.site),
                "next": _booking(following, space.site),
                "updated_at": _local(now, space.site),
            }
        )
    db.session.rollback()  # end the read transaction: the publisher runs for long
    return states


def _booking(booking: Booking | None, site: Site) -> dict | None:
    if booking is None:
        return None
    # Titles are the company's business: only shown where it allowed door displays to show them.
    title = booking.title if booking.organisation.share_titles else None
    return {
        "start": _local(booking.start_at, site),
        "end": _local(booking.end_at, site),
        "title": title,
        "status": booking.status,
    }


def _local(moment: datetime, site: Site) -> str:
    return moment.astimezone(ZoneInfo(site.timezone)).isoformat()
