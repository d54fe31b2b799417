"""iCalendar (RFC 5545) documents from plain event values; no Flask, no database.

Events keep a stable UID and carry the booking's version as SEQUENCE, so a calendar
that subscribed to a feed updates an event in place instead of adding a duplicate.
Times are written in the site's zone (``DTSTART;TZID=Europe/Paris``) with a matching
VTIMEZONE, so 09:00 stays 09:00 on both sides of a DST change. Feeds, single downloads
and e-mail invitations (iTIP, ``method="REQUEST"``/``"CANCEL"``) all come out of ``calendar``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vDuration, vText

from booking.rules import Status

PRODID = "-//OneXperience//Booking//FR"
# How documents are written; a new value makes every feed's ETag new. 2: VTIMEZONE with yearly
# rules, ambiguous autumn times in UTC, REFRESH-INTERVAL.
FORM = 2
UID_DOMAIN = "onexperience"

# booking status -> iCalendar STATUS
STATUSES = {
    Status.HOLD: "TENTATIVE",
    Status.PENDING: "TENTATIVE",
    Status.CONFIRMED: "CONFIRMED",
    Status.CANCELLED: "CANCELLED",
    Status.REJECTED: "CANCELLED",
    Status.RELEASED: "CANCELLED",
    Status.EXPIRED: "CANCELLED",
}

# RFC 5545 TEXT may not carry control characters but HTAB; line breaks are written as "\n".
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Person:
    """An ORGANIZER or ATTENDEE (iTIP invitations): an address and a name."""

    email: str
    name: str = ""


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
    organizer: Person | None = None  # iTIP: the venue
    attendee: Person | None = None  # iTIP: the booker, told (RSVP=FALSE), not asked


def booking_uid(booking_id: int) -> str:
    return f"booking-{booking_id}@{UID_DOMAIN}"


def text(value: str, *, multiline: bool = False) -> vText:
    """A TEXT value no reader can misread: line breaks kept only where the property allows them.

    Rows written before titles and notes were checked may hold a bare CR or other control
    characters; they still export as one clean property each.
    """
    value = _LINE_BREAK.sub("\n" if multiline else " ", value)
    return vText(_CONTROL.sub("", value))


def calendar(
    name: str,
    events: Iterable[CalendarEvent],
    *,
    timezone: str,
    method: str | None = None,
    refresh: timedelta | None = None,
) -> bytes:
    """A VCALENDAR with one VEVENT per event and the VTIMEZONE they need.

    ``refresh`` tells subscribed calendar apps how often to poll (REFRESH-INTERVAL, RFC 7986,
    and X-PUBLISHED-TTL, which Outlook reads).
    """
    events = list(events)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", text(name))
    cal.add("x-wr-timezone", timezone)
    if refresh is not None:
        cal.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(refresh))
    starts = [item.start.astimezone(UTC).date() for item in events] or [datetime.now(UTC).date()]
    cal.add_component(vtimezone(timezone, since=min(starts) - timedelta(days=1), until=max(starts)))
    for item in events:
        cal.add_component(_event(item, timezone))
    return cal.to_ical()


def _event(item: CalendarEvent, timezone: str) -> Event:
    tz = ZoneInfo(timezone)
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", item.stamp.astimezone(UTC))
    event.add("last-modified", item.stamp.astimezone(UTC))
    event.add("dtstart", _wall_time(item.start, tz))
    event.add("dtend", _wall_time(item.end, tz))
    event.add("summary", text(item.summary))
    event.add("status", STATUSES[item.status])
    event.add("sequence", item.sequence)
    # a cancelled booking no longer makes its people busy
    event.add("transp", "TRANSPARENT" if STATUSES[item.status] == "CANCELLED" else "OPAQUE")
    if item.location:
        event.add("location", text(item.location))
    if item.description:
        event.add("description", text(item.description, multiline=True))
    if item.organizer is not None:
        event.add("organizer", _address(item.organizer))
    if item.attendee is not None:
        told = {} if STATUSES[item.status] == "CANCELLED" else {"PARTSTAT": "ACCEPTED"}
        event.add("attendee", _address(item.attendee, ROLE="REQ-PARTICIPANT", RSVP="FALSE", **told))
    return event


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = text(person.name)
    address.params.update(params)
    return address


def _wall_time(moment: datetime, tz: ZoneInfo) -> datetime:
    """The moment on the site's clock, or in UTC where that clock reading would mislead.

    In the autumn hour the clock shows twice. RFC 5545 (§3.3.5) reads such a TZID time as
    the first pass, but ical.js (Thunderbird) reads it as the second: either pass is written
    in UTC instead, which every reader places alike.
    """
    local = moment.astimezone(tz)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


# --- VTIMEZONE ---------------------------------------------------------------------------
#
# Written the way Outlook and Google Calendar write them: per kind of offset, one STANDARD and
# one DAYLIGHT component with a yearly RRULE ("last Sunday of October"). icalendar's own
# VTIMEZONE lists every transition as comma-separated values of one RDATE, which ical.js
# (Thunderbird) and vobject read as its first value only, and with the wrong wall time.
# The rules are derived from the zone database and kept only where they reproduce every
# transition of the years scanned, so a zone that changed its rules gets one component per
# rule (the earlier ones with an UNTIL), and a one-off change a component without RRULE.

FIRST_YEAR = 1970  # zoneinfo's explicit transitions start about here
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class _Transition:
    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    daylight: bool  # the offset it goes to is summer time
    name: str  # TZNAME after it, such as CEST

    @property
    def wall(self) -> datetime:
        """The local time the change happens at, on the clock before it (what DTSTART says)."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def kind(self) -> tuple:
        """What a yearly rule must keep: month, weekday, wall time and offsets."""
        wall = self.wall
        return (self.daylight, wall.month, wall.weekday(), wall.time(), self.offset_from, self.offset_to, self.name)

    @property
    def positions(self) -> frozenset[int]:
        """Which weekday of its month it falls on: 1 to 5 counted from the start, -1 if the last."""
        wall = self.wall
        last = (wall.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        found = {(wall.day - 1) // 7 + 1}
        if wall.day + 7 > last.day:
            found.add(-1)
        return frozenset(found)


def _state(tz: ZoneInfo, at: datetime) -> tuple[timedelta, timedelta, str]:
    local = at.astimezone(tz)
    return local.utcoffset(), local.dst(), local.tzname()


@lru_cache(maxsize=32)
def _transitions(tzid: str, last_year: int) -> tuple[_Transition, ...]:
    """Every change of offset or name of the zone from FIRST_YEAR to ``last_year``, in order."""
    tz = ZoneInfo(tzid)
    found = []
    day = timedelta(days=1)
    cursor, end = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC), datetime(last_year + 1, 1, 1, tzinfo=UTC)
    state = _state(tz, cursor)
    while cursor < end:
        following = _state(tz, cursor + day)
        if following != state:  # a change within this day: find its second
            low, high = cursor, cursor + day
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if _state(tz, middle) == state else (low, middle)
            found.append(_Transition(high, state[0], following[0], bool(following[1]), following[2]))
            state = following
        cursor += day
    return tuple(found)


def _runs(transitions: Iterable[_Transition]) -> list[list[_Transition]]:
    """Transitions grouped into yearly rules: same kind, one a year, in consecutive years."""
    runs: dict[bool, list[list[_Transition]]] = {True: [], False: []}
    for item in transitions:
        same_kind = runs[item.daylight]
        current = same_kind[-1] if same_kind else None
        if (
            current
            and current[-1].kind == item.kind
            and current[-1].wall.year + 1 == item.wall.year
            and _common_position([*current, item]) is not None
        ):
            current.append(item)
        else:
            same_kind.append([item])
    return [run for kind in runs.values() for run in kind]


def _common_position(run: list[_Transition]) -> int | None:
    common = frozenset.intersection(*(item.positions for item in run))
    if not common:
        return None
    return -1 if -1 in common else min(common)


def vtimezone(tzid: str, *, since: date, until: date | None = None) -> Timezone:
    """The VTIMEZONE for ``tzid``, right for every date from ``since`` on.

    ``until`` only bounds the scan of the zone database; the last rules repeat yearly for
    ever, as the zone's own rules do (zoneinfo extends its table with the same rule).
    """
    last_year = max(until.year if until else 0, since.year) + 2
    transitions = _transitions(tzid, last_year)
    component = Timezone()
    component.add("tzid", tzid)
    component.add("x-lic-location", tzid)  # Thunderbird and Google write it: the zone's own name
    runs = _runs(transitions)
    # the rules in force from ``since`` on, and the last change before it (its offset still holds)
    kept = [run for run in runs if run[-1].wall.year >= since.year - 1]
    before = [run[-1] for run in runs if run[-1].wall.year < since.year - 1]
    if before:
        latest = max(before, key=lambda item: item.at)
        if not any(run[0].wall.date() <= since for run in kept):
            kept.append([latest])
    if not kept:  # a zone that never changes: one STANDARD for all time
        offset, _dst, name = _state(ZoneInfo(tzid), datetime.now(UTC))
        component.add_component(_observance(TimezoneStandard(), datetime(FIRST_YEAR, 1, 1), offset, offset, name))
        return component
    for run in sorted(kept, key=lambda run: run[0].at):
        first = run[0]
        kind = TimezoneDaylight() if first.daylight else TimezoneStandard()
        observance = _observance(kind, first.wall, first.offset_from, first.offset_to, first.name)
        ongoing = run[-1].wall.year >= last_year  # still the zone's rule at the end of the scan
        if len(run) > 1 or ongoing:
            day = f"{_common_position(run)}{WEEKDAYS[first.wall.weekday()]}"
            rule = {"FREQ": "YEARLY", "BYMONTH": first.wall.month, "BYDAY": day}
            if not ongoing:  # a rule the zone gave up: it stops with its last change
                rule["UNTIL"] = run[-1].at
            observance.add("rrule", rule)
        component.add_component(observance)
    return component


def _observance(kind, start: datetime, offset_from: timedelta, offset_to: timedelta, name: str):
    kind.add("dtstart", start)
    kind.add("tzoffsetfrom", offset_from)
    kind.add("tzoffsetto", offset_to)
    kind.add("tzname", name)
    return kind
