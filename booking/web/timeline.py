"""Where bookings sit on the staff calendar's time axis: plain geometry, no Flask, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_HOURS = (8, 20)


@dataclass(frozen=True)
class Window:
    """The part of a local day the calendar draws, from ``start`` to ``end`` (aware)."""

    start: datetime
    end: datetime

    def percent(self, moment: datetime) -> float:
        """Position of ``moment`` along the window, clipped to 0..100 (DST days are 23 or 25 hours)."""
        # in UTC: Python subtracts two times of the same zone as wall-clock times
        start = self.start.astimezone(UTC)
        total = (self.end.astimezone(UTC) - start).total_seconds()
        offset = (moment.astimezone(UTC) - start).total_seconds()
        return round(max(0.0, min(100.0, 100 * offset / total)), 3)

    def hours(self) -> list[tuple[datetime, float]]:
        """Each full hour in the window with its position, for the column headers."""
        marks, moment, end = [], self.start.astimezone(UTC), self.end.astimezone(UTC)
        while moment < end:
            marks.append((moment.astimezone(self.start.tzinfo), self.percent(moment)))
            moment += timedelta(hours=1)
        return marks


@dataclass(frozen=True)
class Bar:
    """A booking drawn on a space's row: its setup buffer, itself, and its teardown buffer."""

    left: float
    width: float
    setup_left: float
    setup_width: float
    teardown_left: float
    teardown_width: float


def day_window(day: date, timezone: str, spans: Iterable[tuple[datetime, datetime]]) -> Window:
    """Whole hours covering every span that touches ``day`` (opening hours, bookings with buffers)."""
    tz = ZoneInfo(timezone)
    midnight = datetime.combine(day, time(0), tz)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tz)
    starts, ends = [], []
    for start, end in spans:
        if end > midnight and start < next_midnight:
            starts.append(max(start, midnight).astimezone(tz))
            ends.append(min(end, next_midnight).astimezone(tz))
    if not starts:
        return Window(
            datetime.combine(day, time(DEFAULT_HOURS[0]), tz), datetime.combine(day, time(DEFAULT_HOURS[1]), tz)
        )
    first = min(starts).replace(minute=0, second=0, microsecond=0)
    last = max(ends)
    if last != next_midnight and (last.minute or last.second):
        last = last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return Window(first, min(last, next_midnight))


def bar(window: Window, start: datetime, end: datetime, block_start: datetime, block_end: datetime) -> Bar | None:
    """The bar of one booking, or None when its block lies outside the window."""
    if block_end <= window.start or block_start >= window.end:
        return None
    left, right = window.percent(start), window.percent(end)
    setup_left, teardown_right = window.percent(block_start), window.percent(block_end)
    return Bar(
        left=left,
        width=round(right - left, 3),
        setup_left=setup_left,
        setup_width=round(left - setup_left, 3),
        teardown_left=right,
        teardown_width=round(teardown_right - right, 3),
    )


def week_of(day: date) -> list[date]:
    """Monday to Sunday of the week ``day`` is in."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]
