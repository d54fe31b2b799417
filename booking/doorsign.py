"""What a room's door display says right now. Pure: plain values in, one answer out.

One of four states, in the words the venue uses at the door:

- ``free``: nobody is booked and the sensors see nobody; ``until`` is when the room is next
  taken (the next booking's block, setup included) or closes, whichever comes first.
- ``waiting``: a booking's check-in window is open and nobody has checked in; ``release_at`` is
  when the no-show release will free the room, only where it can (never in a studio, never while
  the sensors cannot be trusted, unless check-in there is by hand).
- ``in_use``: a booking is running and its people are here (checked in, or seen by fresh sensors).
- ``unbooked_use``: people are here and no booking is running.

Sensors that are offline or stale never make a room look occupied or empty: their last values
are not trusted (``sensors_trusted`` false), and the display says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from booking import daylife
from booking.rules import Status

FREE, WAITING, IN_USE, UNBOOKED_USE = "free", "waiting", "in_use", "unbooked_use"
UNTRUSTED_HEALTH = ("offline", "stale")
WALK_IN_MINUTES = (15, 30, 60)


@dataclass(frozen=True)
class DoorBooking:
    """A booking as the door sees it; ``title`` is None unless its company shares titles."""

    id: int
    start: datetime
    end: datetime
    block_start: datetime
    status: str
    title: str | None = None
    checked_in_at: datetime | None = None


@dataclass(frozen=True)
class DoorSpace:
    """The space's rules that change what the door says."""

    checkin_grace_minutes: int = 15
    profile: str = "standard"
    manual_checkin: bool = False


@dataclass(frozen=True)
class Sensing:
    """What the sensors say now (``booking.services.readings.live_states``)."""

    present: bool | None = None
    count: int | None = None
    fresh: bool = False
    health: str = "missing"  # healthy | stale | offline | missing

    @property
    def trusted(self) -> bool:
        return self.fresh and self.health not in UNTRUSTED_HEALTH

    @property
    def people(self) -> bool:
        return self.trusted and bool(self.present or self.count)


@dataclass(frozen=True)
class DoorSign:
    state: str
    current: DoorBooking | None
    until: datetime | None  # free until / in use until; None: for the rest of the day
    taken_at: datetime | None  # when the next booking takes the room (its setup included)
    release_at: datetime | None  # waiting: when the room is released if nobody checks in
    can_check_in: bool
    count: int | None  # people counted, where a counter reports and is trusted
    sensors: str  # the sensors' health
    sensors_trusted: bool
    open_now: bool
    upcoming: list[DoorBooking] = field(default_factory=list)  # the rest of today, soonest first


def current_booking(bookings: list[DoorBooking], now: datetime) -> DoorBooking | None:
    """The booking the door is about: running now, or about to start with its check-in window open."""
    early = timedelta(minutes=daylife.CHECKIN_EARLY_MINUTES)
    running = [b for b in bookings if b.start - early <= now < b.end]
    # a booking already under way wins over the next one whose window opened early
    return min(running, key=lambda b: (b.start > now, b.start), default=None)


def release_time(booking: DoorBooking, space: DoorSpace, sensing: Sensing) -> datetime | None:
    """When a booking nobody checked in would be released, or None where it never is."""
    if booking.status != Status.CONFIRMED or booking.checked_in_at is not None:
        return None
    if space.profile == daylife.STUDIO_PROFILE:
        return None
    if not space.manual_checkin and sensing.health != daylife.HEALTHY:
        return None
    return booking.start + timedelta(minutes=space.checkin_grace_minutes)


def door_sign(
    now: datetime,
    bookings: list[DoorBooking],
    sensing: Sensing,
    space: DoorSpace,
    opening: list[tuple[datetime, datetime]],
    day_end: datetime | None = None,
) -> DoorSign:
    """What the door says at ``now``, given today's active bookings (any order) and opening hours.

    A free room's ``until`` at or past ``day_end`` (the local midnight) is None: free for the rest
    of the day, rather than "until 00:00" for a room open round the clock.
    """
    bookings = sorted(bookings, key=lambda b: b.start)
    current = current_booking(bookings, now)
    upcoming = [b for b in bookings if b.start > now and b is not current]
    taken_at = min((b.block_start for b in upcoming), default=None)
    open_interval = next(((a, b) for a, b in opening if a <= now < b), None)
    count = sensing.count if sensing.trusted else None
    release_at, can_check_in = None, False
    if current is not None:
        here = current.checked_in_at is not None or sensing.people
        state = IN_USE if here else WAITING
        until = current.end
        can_check_in = bool(
            current.checked_in_at is None
            and daylife.can_check_in(status=current.status, start=current.start, end=current.end, now=now)
        )
        if state == WAITING:
            release_at = release_time(current, space, sensing)
    else:
        state = UNBOOKED_USE if sensing.people else FREE
        ends = [taken_at] if taken_at else []
        if open_interval is not None:
            ends.append(open_interval[1])
        until = min(ends, default=None)
        if until is not None and day_end is not None and until >= day_end:
            until = None
    return DoorSign(
        state=state, current=current, until=until, taken_at=taken_at, release_at=release_at, can_check_in=can_check_in,
        count=count, sensors=sensing.health, sensors_trusted=sensing.trusted or sensing.health == "missing",
        open_now=open_interval is not None, upcoming=upcoming,
    )  # fmt: skip
