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
