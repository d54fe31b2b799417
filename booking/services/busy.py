"""What already holds a space: the active bookings whose block (with buffers) overlaps a given one."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import Select, bindparam, select

from booking import rules
from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking


@functools.cache
def _in_the_way(excluding: bool) -> Select:
    """The query, built once with bound parameters: every booking asks it, and building it anew
    (its clauses, then its cache key) cost more CPU than sending it."""
    query = select(Booking).where(
        Booking.space_id == bindparam("space_id"),
        Booking.status.in_(ACTIVE_STATUSES),
        Booking.block_start < bindparam("block_end"),
        Booking.block_start >= bindparam("earliest"),  # lets the index bound the scan
        Booking.block_end > bindparam("block_start"),
    )
    return query.where(Booking.id != bindparam("exclude")) if excluding else query


def overlapping(
    space_id: int, block_start: datetime, block_end: datetime, *, exclude: int | None = None
) -> list[Booking]:
    """Active bookings of a space whose block overlaps the given one."""
    params = {
        "space_id": space_id, "block_start": block_start, "block_end": block_end,
        "earliest": block_start - rules.MAX_BLOCK,
    }  # fmt: skip
    if exclude is not None:
        params["exclude"] = exclude
    return list(db.session.scalars(_in_the_way(exclude is not None), params))
