"""How many kits are in use at once over a window. Pure: the database row lock decides who gets one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def peak_use(uses: Iterable[tuple[datetime, datetime, int]], start: datetime, end: datetime) -> int:
    """The most units in use at any one instant of [start, end), from (start, end, quantity) uses.

    Half-open like the bookings: a kit handed back at 12:00 may go out again at 12:00.
    """
    changes: list[tuple[datetime, int]] = []
    for use_start, use_end, quantity in uses:
        lo, hi = max(use_start, start), min(use_end, end)
        if lo < hi:
            changes += [(lo, quantity), (hi, -quantity)]
    changes.sort(key=lambda change: (change[0], change[1]))  # returns before departures at one instant
    peak = running = 0
    for _, delta in changes:
        running += delta
        peak = max(peak, running)
    return peak


def left(stock: int, uses: Iterable[tuple[datetime, datetime, int]], start: datetime, end: datetime) -> int:
    """Units free for the whole of [start, end)."""
    return max(0, stock - peak_use(uses, start, end))
