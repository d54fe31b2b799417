"""What already holds a space: the active bookings whose block (with buffers) overlaps a given one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from booking import rules
from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking


def overlapping(
    space_id: int, block_start: datetime, block_end: datetime, *, exclude: int | None = None
) -> list[Booking]:
    """Active bookings of a space whose block overlaps the given one."""
    query = select(Booking).where(
        Booking.space_id == space_id,
        Booking.status.in_(ACTIVE_STATUSES),
        Booking.block_start < block_end,
        Booking.block_start >= block_start - rules.MAX_BLOCK,  # lets the index bound the scan
        Booking.block_end > block_start,
    )
    if exclude is not None:
        query = query.where(Booking.id != exclude)
    return list(db.session.scalars(query))
