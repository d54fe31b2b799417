"""iCalendar (RFC 5545) documents from plain event values; no Flask, no database.

Events keep a stable UID and carry the booking's version as SEQUENCE, so a calendar
that subscribed to a feed updates an event in place instead of adding a duplicate.
Times are written in the site's zone (``DTSTART;TZID=Europe/Paris``) with a matching
VTIMEZONE, so 09:00 stays 09:00 on both sides of a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

PRODID = "-//OneXperience//Booking//FR"
UID_DOMAIN = "onexperience"

# booking status -> iCalendar STATUS
STATUSES = {
    "hold": "TENTATIVE",
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "cancelled": "CANCELLED",
    "rejected": "CANCELLED",
    "released": "CANCELLED",
    "expired": "CANCELLED",
}


@dataclass(frozen=True)
class CalendarEvent:
    """One VEVENT, as plain values."""

    uid: str
    start: datetime  # aware
    end: datetime  # aware
    summary: str
    status: str  # a booking status, see STATUSES
    sequence: int
    stamp: datetime  # when the booking last changed
    location: str = ""
    description: str = ""


def booking_uid(booking_id: int) -> str:
    return f"booking-{booking_id}@{UID_DOMAIN}"


def calendar(name: str, events: Iterable[CalendarEvent], *, timezone: str, method: str | None = None) -> bytes:
    """A VCALENDAR with one VEVENT per event and the VTIMEZONE they need."""
    tz = ZoneInfo(timezone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp.astimezone(UTC))
        event.add("last-modified", item.stamp.astimezone(UTC))
        event.add("dtstart", item.start.astimezone(tz))
        event.add("dtend", item.end.astimezone(tz))
        event.add("summary", item.summary)
        event.add("status", STATUSES[item.status])
        event.add("sequence", item.sequence)
        # a cancelled booking no longer makes its people busy
        event.add("transp", "TRANSPARENT" if STATUSES[item.status] == "CANCELLED" else "OPAQUE")
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
