"""Booking invitations that calendars accept: iTIP (RFC 5546) over the feeds' events.

``METHOD:REQUEST`` while the booking occupies its space (created, confirmed, approved, moved,
reminded), ``METHOD:CANCEL`` once it no longer does (cancelled, rejected, released, expired).
The UID is the feeds' (``ical.booking_uid``) and SEQUENCE the booking's version, so Outlook,
Gmail and Apple Calendar update or remove the event they added instead of adding another.
ORGANIZER is the venue, ATTENDEE the booker. Pure: plain values in, bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from booking import ical

REQUEST = "REQUEST"
CANCEL = "CANCEL"


@dataclass(frozen=True)
class Person:
    email: str
    name: str = ""


@dataclass(frozen=True)
class BookingInvitation:
    booking_id: int
    status: str  # a booking status
    sequence: int  # the booking's version
    start: datetime  # aware
    end: datetime  # aware
    timezone: str  # the site's
    summary: str
    location: str
    organizer: Person  # the venue
    attendee: Person  # the booker
    stamp: datetime  # when the change happened
    description: str = ""


def method_for(status: str) -> str:
    """REQUEST while the booking holds its space, CANCEL once it no longer does."""
    return REQUEST if ical.STATUSES[status] != "CANCELLED" else CANCEL


def _address(person: Person, **params: str) -> vCalAddress:
    value = vCalAddress(f"mailto:{person.email}")
    if person.name:
        value.params["CN"] = vText(person.name)
    for key, param in params.items():
        value.params[key.replace("_", "-").upper()] = vText(param)
    return value


def invitation(item: BookingInvitation) -> tuple[str, bytes]:
    """The METHOD and the VCALENDAR document for one booking at one moment of its life."""
    method = method_for(item.status)
    tz = ZoneInfo(item.timezone)
    cal = Calendar()
    cal.add("prodid", ical.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = Event()
    event.add("uid", ical.booking_uid(item.booking_id))
    event.add("sequence", item.sequence)
    event.add("dtstamp", item.stamp.astimezone(UTC))
    event.add("last-modified", item.stamp.astimezone(UTC))
    event.add("dtstart", item.start.astimezone(tz))
    event.add("dtend", item.end.astimezone(tz))
    event.add("summary", item.summary)
    event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    event.add("status", "CANCELLED" if method == CANCEL else ical.STATUSES[item.status])
    event.add("transp", "TRANSPARENT" if method == CANCEL else "OPAQUE")
    event.add("organizer", _address(item.organizer))
    # the venue keeps the booking's state: the attendee is told, not asked (no RSVP loop)
    told = {"partstat": "ACCEPTED"} if method == REQUEST else {}
    event.add("attendee", _address(item.attendee, role="REQ-PARTICIPANT", rsvp="FALSE", **told))
    cal.add_component(event)
    cal.add_missing_timezones()  # the same VTIMEZONE the feeds carry, from zoneinfo
    return method, cal.to_ical()
