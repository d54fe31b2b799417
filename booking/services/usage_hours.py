"""When spaces are booked: booked minutes per weekday and hour of the day, in each site's time."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import Booking, Space
from booking.utilization import BOOKED_STATUSES


def split_by_hour(start: datetime, end: datetime, tz: ZoneInfo) -> Counter[tuple[int, int]]:
    """Minutes of [start, end) falling in each (weekday, local hour); pure."""
    minutes: Counter[tuple[int, int]] = Counter()
    cursor = start.astimezone(tz)
    end = end.astimezone(tz)
    while cursor < end:
        next_hour = (cursor.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).astimezone(tz)
        step_end = min(next_hour, end)
        minutes[(cursor.weekday(), cursor.hour)] += int((step_end - cursor).total_seconds() // 60)
        cursor = step_end
    return minutes


def booked_minutes_by_hour(start: date, end: date) -> Counter[tuple[int, int]]:
    """Booked minutes (confirmed, or released no-shows) per (weekday 0=Monday, local hour), days included."""
    # a day wider each side than any site's local days: the exact cut is made per booking below
    lo = datetime.combine(start - timedelta(days=1), time(0), UTC)
    hi = datetime.combine(end + timedelta(days=2), time(0), UTC)
    query = (
        select(Booking)
        .options(joinedload(Booking.space).joinedload(Space.site))
        .where(
            Booking.status.in_(BOOKED_STATUSES),
            *Booking.ends_after(lo),
            Booking.start_at < hi,
        )
    )
    totals: Counter[tuple[int, int]] = Counter()
    for booking in db.session.scalars(query):
        tz = ZoneInfo(booking.space.site.timezone)
        first = datetime.combine(start, time(0), tz)
        last = datetime.combine(end + timedelta(days=1), time(0), tz)
        lo, hi = max(booking.start_at, first), min(booking.end_at, last)
        if lo < hi:
            totals.update(split_by_hour(lo, hi, tz))
    return totals
