"""Dates for tests: always in the future, in the venues' time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def next_weekday(weekday: int, *, weeks_ahead: int = 1) -> date:
    """A date ``weeks_ahead`` weeks from now on the given weekday (0 = Monday), as a date."""
    today = datetime.now(PARIS).date() + timedelta(weeks=weeks_ahead)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def paris(day, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), PARIS)


def iso(value: datetime) -> str:
    return value.isoformat()


def last_sunday(year: int, month: int) -> date:
    """The last Sunday of a month: the DST change days in Europe are the ones of March and October."""
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


def next_dst_sunday(month: int) -> date:
    """The next last Sunday of March (clocks forward) or October (clocks back), at least two days away."""
    today = datetime.now(PARIS).date()
    day = last_sunday(today.year, month)
    return day if day > today + timedelta(days=1) else last_sunday(today.year + 1, month)


def next_in_month(month: int, weekday: int) -> date:
    """The first given weekday (0 = Monday) of the next ``month`` that is still ahead."""
    today = datetime.now(PARIS).date()
    year = today.year if date(today.year, month, 1) > today + timedelta(days=1) else today.year + 1
    day = date(year, month, 1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)
