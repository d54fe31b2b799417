"""Can this space be booked then, and for how much? Pure rules over plain values.

Nothing here reads Flask, the database or the clock: callers pass ``now`` and a
``SpacePolicy`` built from the models, so the API, the MQTT worker and the scheduler
share exactly the same rules, and tests need no fixtures.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

VAT_RATE = Decimal("0.20")
HALF_DAY_HOURS = 4
# Longest a booking's block may ever be; availability queries rely on it to bound
# their scan, so spaces cannot be configured beyond it.
MAX_BLOCK = timedelta(days=2)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Status(enum.StrEnum):
    """Where a booking is in its life (see TRANSITIONS)."""

    HOLD = "hold"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    RELEASED = "released"  # no-show
    EXPIRED = "expired"  # a hold nobody confirmed


# The statuses that occupy a space; the exclusion constraint covers exactly these.
ACTIVE_STATUSES = (Status.HOLD, Status.PENDING, Status.CONFIRMED)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: which field, a stable code with its parameters, and the
    English sentence for the API and the logs. Pages say it again in the reader's language by
    ``code`` (booking/web/messages.py), never by reading the sentence."""

    field: str
    message: str
    code: str = "invalid"
    params: Mapping[str, object] = field(default_factory=dict, hash=False)

    def as_json(self) -> dict:
        """As a problem document's ``errors`` entry (and a skipped date's): field, message, code, params."""
        entry: dict = {"field": self.field, "message": self.message, "code": self.code}
        if self.params:
            entry["params"] = dict(self.params)
        return entry

    def under(self, prefix: str) -> Problem:
        """The same problem, for a field inside a list (``legs[1].`` + ``start``)."""
        return replace(self, field=prefix + self.field)


@dataclass(frozen=True)
class SpacePolicy:
    """What the rules need to know about a space, as plain values."""

    timezone: str
    opening_hours: Mapping[str, Sequence[Sequence[str]]]  # "mon" -> [["08:00", "20:00"]]
    capacities: Mapping[str, int]
    closed_days: frozenset[date] = frozenset()
    setup_minutes: int = 0
    teardown_minutes: int = 0
    min_minutes: int = 30
    max_minutes: int = 600
    max_days_ahead: int = 365
    rate_hour: Decimal = Decimal("0")
    rate_half_day: Decimal = Decimal("0")
    rate_day: Decimal = Decimal("0")
    requires_approval: bool = False

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Quote:
    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal
    lines: tuple[str, ...] = field(default=())
    currency: str = "EUR"
    items: tuple = ()  # booking.pricing.QuoteLine: the space and each service, with its VAT rate
    cancellation: object | None = None  # booking.pricing.CancellationTerms, when known


# --- time ---------------------------------------------------------------------------


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: one may end exactly when the other begins."""
    return a_start < b_end and b_start < a_end


def blocked_interval(policy: SpacePolicy, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The time a booking takes from its space: its own, plus setup before and teardown after."""
    return (
        start - timedelta(minutes=policy.setup_minutes),
        end + timedelta(minutes=policy.teardown_minutes),
    )


def longest_block(max_minutes: int, setup_minutes: int, teardown_minutes: int) -> timedelta:
    """The most time one booking of a space can take from it: its longest booking and both buffers.

    It may never exceed MAX_BLOCK, which the overlap queries rely on to bound their scans.
    """
    return timedelta(minutes=max_minutes + setup_minutes + teardown_minutes)


def to_utc(local: datetime, tz: ZoneInfo) -> datetime | None:
    """A wall-clock time typed by a person, as UTC; None when the clock skips it (DST gap).

    Series follow RFC 5545 instead (see booking.recurrence): a person is better told.
    """
    utc = local.replace(tzinfo=tz).astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def _parse_hhmm(text: str) -> time:
    return time.fromisoformat(text) if text != "24:00" else time.max


def opening_intervals(policy: SpacePolicy, day: date) -> list[tuple[datetime, datetime]]:
    """The opening hours of one local day, as aware datetimes in the site's time zone."""
    tz = policy.tz
    if day in policy.closed_days:
        return []
    result = []
    for opens, closes in policy.opening_hours.get(WEEKDAYS[day.weekday()], ()):
        start = datetime.combine(day, _parse_hhmm(opens), tz)
        end = datetime.combine(day, _parse_hhmm(closes), tz)
        if closes == "24:00":
            end = datetime.combine(day + timedelta(days=1), time(0), tz)
        result.append((start, end))
    return result


def within_opening_hours(policy: SpacePolicy, start: datetime, end: datetime) -> bool:
    """True when the booking fits inside one opening interval of its local day.

    An interval that closes at 24:00 goes on into the next day's opening at 00:00, so a space
    open round the clock can be booked across midnight.
    """
    day, last = start.astimezone(policy.tz).date(), end.astimezone(policy.tz).date()
    opens, closes = None, None
    while day <= last:
        for interval_opens, interval_closes in opening_intervals(policy, day):
            if closes is not None and interval_opens == closes:
                closes = interval_closes  # continues the interval before it
            else:
                opens, closes = interval_opens, interval_closes
            if opens <= start and end <= closes:
                return True
        day += timedelta(days=1)
    return False


# --- the request ------------------------------------------------------------------


def check_booking(
    policy: SpacePolicy,
    start: datetime,
    end: datetime,
    attendees: int,
    *,
    now: datetime,
    layout: str | None = None,
) -> list[Problem]:
    """Everything wrong with booking this space from ``start`` to ``end``; empty when fine."""
    problems: list[Problem] = []
    if end <= start:
        return [Problem("end", "must be after start", "end_before_start")]
    minutes = (end - start).total_seconds() / 60
    local_start = start.astimezone(policy.tz)
    if start < now:
        problems.append(Problem("start", "is in the past", "in_the_past"))
    elif start > now + timedelta(days=policy.max_days_ahead):
        days = policy.max_days_ahead
        message = f"is more than {days} days ahead; bookings open later"
        problems.append(Problem("start", message, "too_far_ahead", {"days": days}))
    if minutes < policy.min_minutes:
        minimum = policy.min_minutes
        message = f"the booking is shorter than {minimum} minutes"
        problems.append(Problem("end", message, "too_short", {"minutes": minimum}))
    elif minutes > policy.max_minutes:
        maximum = policy.max_minutes
        message = f"the booking is longer than {maximum} minutes"
        problems.append(Problem("end", message, "too_long", {"minutes": maximum}))
    if local_start.date() in policy.closed_days:
        day = local_start.date().isoformat()
        problems.append(Problem("start", f"the space is closed on {day}", "closed", {"date": day}))
    elif not within_opening_hours(policy, start, end):
        day = local_start.date()
        spans = [f"{a:%H:%M}–{b:%H:%M}" for a, b in opening_intervals(policy, day)]
        message = "outside opening hours: " + describe_hours(policy, day)
        problems.append(Problem("start", message, "outside_opening_hours", {"date": day.isoformat(), "open": spans}))
    problems.extend(check_capacity(policy, attendees, layout))
    return problems


def check_capacity(policy: SpacePolicy, attendees: int, layout: str | None) -> list[Problem]:
    """Attendees must fit the chosen layout, or the largest one when none is chosen."""
    if attendees < 1:
        return [Problem("attendees", "must be at least 1", "too_few_people")]
    if layout is not None:
        if layout not in policy.capacities:
            known = ", ".join(sorted(policy.capacities)) or "none"
            message = f"unknown layout {layout!r}; this space offers: {known}"
            params = {"layout": layout, "offered": sorted(policy.capacities)}
            return [Problem("layout", message, "unknown_layout", params)]
        capacity = policy.capacities[layout]
    else:
        capacity = max(policy.capacities.values(), default=0)
    if attendees > capacity:
        where = f"in {layout} layout" if layout else "in any layout"
        message = f"{attendees} people exceed the capacity of {capacity} {where}"
        params = {"people": attendees, "capacity": capacity, "layout": layout}
        return [Problem("attendees", message, "over_capacity", params)]
    return []


def describe_hours(policy: SpacePolicy, day: date) -> str:
    intervals = opening_intervals(policy, day)
    if not intervals:
        return f"closed on {day.strftime('%A')}s"
    spans = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in intervals)
    return f"open {spans} on {day.isoformat()} ({policy.timezone})"


@dataclass(frozen=True)
class BookingPlan:
    """What booking a space for a time would be: what is wrong with it, the time it takes from
    the space (buffers included), the status it starts in, until when a hold lasts, its price."""

    problems: tuple[Problem, ...]
    block: tuple[datetime, datetime]
    status: Status
    hold_expires_at: datetime | None
    quote: Quote


def plan_booking(
    policy: SpacePolicy,
    start: datetime,
    end: datetime,
    attendees: int,
    *,
    now: datetime,
    layout: str | None = None,
    hold: bool = False,
    hold_ttl: timedelta = timedelta(minutes=15),
) -> BookingPlan:
    """The whole plan for one booking of a space; the caller only checks what is in the way and writes it."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # UTC inside, as the database hands it back
    return BookingPlan(
        problems=tuple(check_booking(policy, start, end, attendees, now=now, layout=layout)),
        block=blocked_interval(policy, start, end),
        status=initial_status(hold=hold, requires_approval=policy.requires_approval),
        hold_expires_at=now + hold_ttl if hold else None,
        quote=quote(policy, start, end),
    )


# --- pricing -----------------------------------------------------------------------


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def day_price(policy: SpacePolicy, minutes: float) -> tuple[Decimal, str]:
    """Cheapest combination of hour, half-day and day rates for ``minutes`` within one day."""
    hours = math.ceil(minutes / 60 - 1e-9)
    options = [(policy.rate_day, "1 day")]
    for halves in range(3):
        extra = max(0, hours - halves * HALF_DAY_HOURS)
        if halves == 2 and extra:
            continue  # beyond two half-days the day rate applies
        cost = policy.rate_half_day * halves + policy.rate_hour * extra
        label = " + ".join(
            part
            for part in (
                f"{halves} half-day" + ("s" if halves > 1 else "") if halves else "",
                f"{extra} h" if extra else "",
            )
            if part
        )
        options.append((cost, label or "0 h"))
    return min(options, key=lambda option: option[0])


def quote(policy: SpacePolicy, start: datetime, end: datetime) -> Quote:
    """Price of a booking in EUR: the cheapest rate combination per local day, plus 20% VAT."""
    tz = policy.tz
    total = Decimal("0")
    lines = []
    cursor = start.astimezone(tz)
    local_end = end.astimezone(tz)
    while cursor < local_end:
        midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), tz)
        segment_end = min(midnight, local_end)
        price, label = day_price(policy, (segment_end - cursor).total_seconds() / 60)
        total += price
        lines.append(f"{cursor.date().isoformat()}: {label}")
        cursor = segment_end
    excl = _cents(total)
    vat = _cents(excl * VAT_RATE)
    return Quote(excl_vat=excl, vat=vat, incl_vat=excl + vat, lines=tuple(lines))


def sum_quotes(quotes: Iterable[Quote]) -> Quote:
    quotes = list(quotes)
    excl = sum((q.excl_vat for q in quotes), Decimal("0"))
    vat = sum((q.vat for q in quotes), Decimal("0"))
    return Quote(excl_vat=excl, vat=vat, incl_vat=excl + vat, items=tuple(i for q in quotes for i in q.items))


# --- lifecycle ---------------------------------------------------------------------

# action -> (statuses it applies to, resulting status); "confirm" of a space that needs
# approval goes to pending instead (see next_status).
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "confirm": (frozenset({Status.HOLD}), Status.CONFIRMED),
    "approve": (frozenset({Status.PENDING}), Status.CONFIRMED),
    "reject": (frozenset({Status.PENDING, Status.HOLD}), Status.REJECTED),
    "cancel": (frozenset(ACTIVE_STATUSES), Status.CANCELLED),
    "expire": (frozenset({Status.HOLD}), Status.EXPIRED),
    "release": (frozenset({Status.CONFIRMED}), Status.RELEASED),
}
STAFF_ONLY_ACTIONS = frozenset({"approve", "reject", "release"})


def initial_status(*, hold: bool, requires_approval: bool) -> Status:
    if hold:
        return Status.HOLD
    return Status.PENDING if requires_approval else Status.CONFIRMED


def next_status(status: str, action: str, *, requires_approval: bool = False) -> Status | None:
    """The status after ``action``, or None when the action does not apply to ``status``."""
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        return None
    if action == "confirm" and requires_approval:
        return Status.PENDING
    return target


def hold_lapsed(status: str, hold_expires_at: datetime | None, now: datetime) -> bool:
    """A hold past its time: it no longer takes the space, even before the scheduler expires it."""
    return status == Status.HOLD and hold_expires_at is not None and hold_expires_at <= now


def too_late_to_cancel(end: datetime, now: datetime) -> bool:
    """A booking that already took place stays in the record as it was: no cancelling after the end."""
    return end <= now


def status_after_move(status: str, *, requires_approval: bool, by_staff: bool) -> Status:
    """A company moving an approved booking of a space that needs approval asks for approval again."""
    if requires_approval and not by_staff and status == Status.CONFIRMED:
        return Status.PENDING
    return Status(status)


def quote_for_amount(excl_vat: Decimal) -> Quote:
    """The quote of a price already agreed (a booking keeps its price when rates change)."""
    vat = _cents(excl_vat * VAT_RATE)
    return Quote(excl_vat=excl_vat, vat=vat, incl_vat=excl_vat + vat)
