"""What the day does to a booking: check-in, no-show release and alerts. Pure decisions.

The scheduler gathers plain values (booking times, the space's grace period and profile,
what the sensors say, ``now``) and asks these functions; each answer carries the reason
that ends up in the audit trail or on the alert, so a person can see why it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from booking.rules import Status

# A booking may be checked in from this long before its start until its end.
CHECKIN_EARLY_MINUTES = 15
# How soon the next booking must start for lingering people to count as an overrun.
OVERRUN_WARNING_MINUTES = 15
STUDIO_PROFILE = "studio"
HEALTHY = "healthy"


@dataclass(frozen=True)
class Decision:
    """Whether to act, and why (in words that go into the audit trail)."""

    act: bool
    reason: str

    def __bool__(self) -> bool:
        return self.act


@dataclass(frozen=True)
class Slot:
    """A booking as the decisions see it."""

    id: int
    start: datetime
    end: datetime
    block_start: datetime | None = None
    block_end: datetime | None = None
    attendees: int = 0
    capacity: int | None = None  # of the booked layout, or the largest one

    @property
    def blocked(self) -> tuple[datetime, datetime]:
        return (self.block_start or self.start, self.block_end or self.end)


@dataclass(frozen=True)
class AlertCall:
    """A condition that holds now and deserves an alert."""

    kind: str
    booking_id: int | None
    message: str
    detail: dict = field(default_factory=dict)


def checkin_window(start: datetime, end: datetime, early_minutes: int = CHECKIN_EARLY_MINUTES):
    """From a little before the start until the end."""
    return start - timedelta(minutes=early_minutes), end


def can_check_in(
    *, status: str, start: datetime, end: datetime, now: datetime, early_minutes: int = CHECKIN_EARLY_MINUTES
) -> Decision:
    """A person checking a booking in by hand (API or page)."""
    if status != Status.CONFIRMED:
        return Decision(False, f"a booking that is {status} cannot be checked in")
    opens, closes = checkin_window(start, end, early_minutes)
    if now < opens:
        return Decision(False, f"check-in opens at {opens.isoformat()}, {early_minutes} minutes before the start")
    if now >= closes:
        return Decision(False, "the booking is over")
    return Decision(True, "checked in by hand")


def auto_check_in(
    *, status: str, checked_in: bool, manual_checkin: bool, start: datetime, end: datetime,
    presence_seen: bool, now: datetime, early_minutes: int = CHECKIN_EARLY_MINUTES,
) -> Decision:  # fmt: skip
    """Sensors saw people in the check-in window: the booking is in use."""
    if checked_in:
        return Decision(False, "already checked in")
    if manual_checkin:
        return Decision(False, "this space is checked in by hand only")
    if status != Status.CONFIRMED:
        return Decision(False, f"the booking is {status}")
    opens, closes = checkin_window(start, end, early_minutes)
    if not opens <= now < closes:
        return Decision(False, "outside the check-in window")
    if not presence_seen:
        return Decision(False, "no presence seen yet")
    return Decision(True, "sensors saw people in the space during the check-in window")


def release_no_show(
    *, status: str, checked_in: bool, start: datetime, end: datetime, grace_minutes: int, profile: str,
    manual_checkin: bool, sensor_health: str, presence_seen: bool, now: datetime,
) -> Decision:  # fmt: skip
    """Release a booking nobody came to, once the space's grace period is over.

    Fail-safes come first: a studio never (people sit still while recording), and a
    space whose sensors cannot be trusted never, unless check-in there is by hand.
    """
    if status != Status.CONFIRMED:
        return Decision(False, f"the booking is {status}")
    if checked_in:
        return Decision(False, "checked in")
    deadline = start + timedelta(minutes=grace_minutes)
    if now < deadline:
        return Decision(False, f"the grace period runs until {deadline.isoformat()}")
    if now >= end:
        return Decision(False, "the booking is over: nothing left to free")
    if profile == STUDIO_PROFILE:
        return Decision(False, "studio: people sit still while recording, so sensors cannot prove a no-show")
    if manual_checkin:
        return Decision(True, f"nobody checked in within {grace_minutes} minutes of the start (manual check-in space)")
    if sensor_health != HEALTHY:
        return Decision(False, f"the space's sensors are {sensor_health}: a no-show cannot be told from a fault")
    if presence_seen:
        return Decision(False, "sensors saw people: not a no-show")
    return Decision(
        True, f"no check-in and no presence seen by healthy sensors within {grace_minutes} minutes of the start"
    )


def occupancy_alerts(
    *, now: datetime, sensor_health: str, count: int | None, present: bool, safety_limit: int | None,
    max_capacity: int, current: Slot | None, previous: Slot | None, following: Slot | None,
    overrun_warning_minutes: int = OVERRUN_WARNING_MINUTES,
) -> list[AlertCall]:  # fmt: skip
    """The alert conditions that hold in one space right now.

    ``current`` is the booking whose blocked time (with setup and teardown) contains
    ``now``; ``previous`` the last one that ended; ``following`` the next to start.
    """
    calls: list[AlertCall] = []
    if sensor_health in ("offline", "stale"):
        calls.append(AlertCall("sensor_offline", None, f"the space's sensors are {sensor_health}"))
        return calls  # what they last said is not to be trusted
    if sensor_health != HEALTHY:
        return calls
    in_use = present or bool(count)
    limits = [limit for limit in (safety_limit, current.capacity if current else max_capacity) if limit]
    if count is not None and limits and count > min(limits):
        limit = min(limits)
        why = "safety limit" if limit == safety_limit else "capacity of the booked layout"
        calls.append(
            AlertCall(
                "over_capacity",
                current.id if current else None,
                f"{count} people in the space, above its {why} of {limit}",
                {"count": count, "limit": limit},
            )
        )
    if in_use and current is None:
        if (
            previous is not None
            and following is not None
            and following.blocked[0] <= now + timedelta(minutes=overrun_warning_minutes)
        ):
            calls.append(
                AlertCall(
                    "overrun",
                    previous.id,
                    f"still in use after booking {previous.id} ended; booking {following.id} "
                    f"starts at {following.start.isoformat()}",
                    {"next_booking": following.id, "ended_at": previous.end.isoformat()},
                )
            )
        else:
            calls.append(AlertCall("in_use_without_booking", None, "people in the space and no booking now"))
    return calls
