"""Booking invitations that calendars accept: iTIP (RFC 5546) over the feeds' own events.

``METHOD:REQUEST`` while the booking occupies its space (made, confirmed, approved, moved,
reminded), ``METHOD:CANCEL`` once it no longer does (cancelled, rejected, released, expired).
The UID is the feeds' (``ical.booking_uid``), SEQUENCE the booking's version and the VTIMEZONE
the feeds' (both come out of ``ical.calendar``), so Outlook, Gmail and Apple Calendar update or
remove the event they added instead of adding another. ORGANIZER is the venue, ATTENDEE the
booker. Pure: plain values in, bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from booking import ical
from booking.ical import Person

REQUEST = "REQUEST"
CANCEL = "CANCEL"

__all__ = ["CANCEL", "REQUEST", "BookingInvitation", "Person", "invitation", "method_for"]


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


def invitation(item: BookingInvitation) -> tuple[str, bytes]:
    """The METHOD and the VCALENDAR document for one booking at one moment of its life."""
    method = method_for(item.status)
    event = ical.CalendarEvent(
        uid=ical.booking_uid(item.booking_id), start=item.start, end=item.end, summary=item.summary,
        status=item.status, sequence=item.sequence, stamp=item.stamp, location=item.location,
        description=item.description, organizer=item.organizer, attendee=item.attendee,
    )  # fmt: skip
    return method, ical.calendar(item.summary, [event], timezone=item.timezone, method=method)
