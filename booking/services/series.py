"""A series as one thing, and each of its dates on its own.

Its dates still to come cancelled in one go; or one date, or the series from a date on, moved,
re-titled or cancelled without touching the others. Each date of a series is its own booking (its
own UID and SEQUENCE in the feeds), so changing some dates rewrites only those rows: calendars
update exactly the events that changed.
"""

from __future__ import annotations

import contextlib
import enum
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from booking import access, rules
from booking.clock import utcnow
from booking.errors import Conflict, DomainError, Invalid, NotFound
from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking, BookingGroup, User
from booking.rules import Problem
from booking.services import bookings, signals
from booking.services.bookings import charge_cancellation, record_change
from booking.services.races import retried_on_race
from booking.services.unit_of_work import after_commit, unit_of_work


def get_series(actor: User, group_id: int) -> BookingGroup:
    """A series the actor may see; another company's is "not found", as its bookings are."""
    group = db.session.get(BookingGroup, group_id)
    if group is None or group.kind != "series" or not access.may_see(actor, group.organisation_id):
        raise NotFound(f"no series {group_id}", params={"series": group_id})
    return group


def still_to_come(group: BookingGroup, now: datetime) -> list[Booking]:
    """The dates a cancellation would free: active and not over yet (past dates stay in the record).

    A hold that lapsed frees nothing: it is no longer taken, and expire_holds records it.
    """
    return [
        b for b in group.bookings
        if b.is_active and not rules.too_late_to_cancel(b.end_at, now)
        and not rules.hold_lapsed(b.status, b.hold_expires_at, now)
    ]  # fmt: skip


@retried_on_race
def cancel_series(actor: User, group_id: int, *, now: datetime | None = None) -> list[Booking]:
    """Cancel every date of a series still to come, in one transaction; each one is in its audit trail."""
    now = now or utcnow()
    with unit_of_work():
        group = get_series(actor, group_id)
        dates = still_to_come(group, now)
        if not dates:
            raise Conflict("no date of this series is still to come", code="series_over", params={"series": group_id})
        for booking in dates:
            cancelled = rules.next_status(booking.status, "cancel")
            detail = {"series": True} | charge_cancellation(booking, now)
            record_change(booking, actor, "cancel", cancelled, detail=detail)
            after_commit(lambda booking=booking: signals.slot_freed.send(booking, now=now))
    return dates


class Scope(enum.StrEnum):
    THIS = "this"  # the one date
    FOLLOWING = "following"  # the date and every later one of its series


def dates_from(booking: Booking, now: datetime) -> list[Booking]:
    """The active, not yet finished dates of the booking's series from its date on, soonest first."""
    if booking.group is None or booking.group.kind != "series":
        raise Invalid([Problem("scope", "this booking is not part of a series", "not_in_series")])
    query = select(Booking).where(
        Booking.group_id == booking.group_id,
        Booking.start_at >= booking.start_at,
        Booking.status.in_(ACTIVE_STATUSES),
        Booking.end_at > now,
    )
    return list(db.session.scalars(query.order_by(Booking.start_at, Booking.id)))


def _local(moment: datetime, booking: Booking) -> datetime:
    return moment.astimezone(ZoneInfo(booking.space.site.timezone)).replace(tzinfo=None)


def shifted(booking: Booking, start_shift: timedelta, end_shift: timedelta) -> tuple[datetime, datetime] | None:
    """The date moved on the site's clock (10:00 stays 10:00 across a change of time); None in a DST gap."""
    tz = ZoneInfo(booking.space.site.timezone)
    start = rules.to_utc(_local(booking.start_at, booking) + start_shift, tz)
    end = rules.to_utc(_local(booking.end_at, booking) + end_shift, tz)
    return (start, end) if start and end else None


def _conflict_entry(target: Booking, error: DomainError) -> dict:
    tz = ZoneInfo(target.space.site.timezone)
    problems = error.problems or [Problem("start", error.detail, error.code)]
    return {
        "date": target.start_at.astimezone(tz).date().isoformat(),
        "start": target.start_at.astimezone(tz).isoformat(),
        "end": target.end_at.astimezone(tz).isoformat(),
        "reason": error.detail,
        "problems": [p.as_json() for p in problems],
    }


def _nothing_to(action: str, booking: Booking, now: datetime) -> Conflict:
    if booking.end_at <= now:
        return Conflict("this booking already took place", code="already_took_place")
    return Conflict(
        f"cannot {action} a booking that is {booking.status}", code="wrong_status",
        params={"action": action, "status": booking.status},
    )  # fmt: skip


@retried_on_race
def change_dates(
    actor: User, booking_id: int, changes: dict, *, version: int, scope: str = Scope.THIS,
    now: datetime | None = None, suggest: bool = False,
) -> Booking:  # fmt: skip
    """Reschedule or re-title one date, or every date from this one on by the same shift on the clock.

    ``suggest``: one date moved into a taken slot gets a 409 with the nearest alternatives.

    All the dates change or none: a date that the change would put in a taken slot, outside
    opening hours or into a clock change is named in the 409, and nothing is written.
    """
    now = now or utcnow()
    if scope == Scope.THIS:
        return bookings.reschedule(actor, booking_id, changes, version=version, now=now, suggest=suggest)
    with unit_of_work():
        booking = bookings.get_booking(actor, booking_id)
        bookings.check_version(booking, version)
        planned = _planned(actor, booking, changes, now)
        # Dates moving later are written latest first (earlier ones first when moving earlier), so
        # no row is ever written over a slot a date of the same series still holds.
        if _moves_later(booking, changes):
            planned.reverse()
        for change in planned:
            bookings.apply_change(actor, change, detail={"scope": Scope.FOLLOWING, "from_booking": booking.id})
            bookings.flush_change(change.booking.id)
    return booking


def _shifts(booking: Booking, changes: dict) -> tuple[timedelta, timedelta]:
    """How far the change moves the start and the end, on the site's clock."""
    start_shift = _local(changes.get("start", booking.start_at), booking) - _local(booking.start_at, booking)
    end_shift = _local(changes.get("end", booking.end_at), booking) - _local(booking.end_at, booking)
    return start_shift, end_shift


def _moves_later(booking: Booking, changes: dict) -> bool:
    return sum(_shifts(booking, changes), timedelta(0)) > timedelta(0)


def _planned(actor: User, booking: Booking, changes: dict, now: datetime) -> list[bookings.Change]:
    """Each date from this one on, checked with the change applied; a 409 naming every date that cannot take it."""
    targets = dates_from(booking, now)
    if booking not in targets:
        raise _nothing_to("change", booking, now)
    start_shift, end_shift = _shifts(booking, changes)
    others = {k: v for k, v in changes.items() if k not in ("start", "end")}
    moving = tuple(t.id for t in targets)
    planned, refused = [], []
    with db.session.no_autoflush:
        for target in targets:
            times = {}
            if start_shift or end_shift:
                moved = shifted(target, start_shift, end_shift)
                if moved is None:
                    problem = Problem("start", "this time does not exist that day (clock change)", "clock_gap")
                    refused.append(_conflict_entry(target, Invalid([problem])))
                    continue
                times = {"start": moved[0], "end": moved[1]}
            try:
                planned.append(bookings.plan_change(actor, target, others | times, now, exclude=moving))
            except (Invalid, Conflict) as error:
                refused.append(_conflict_entry(target, error))
    if refused:
        raise Conflict(
            f"{len(refused)} date(s) of the series cannot be changed so", code="dates_not_free",
            params={"count": len(refused)}, conflicts=refused,
        )  # fmt: skip
    return planned


@retried_on_race
def cancel_dates(
    actor: User, booking_id: int, *, scope: str = Scope.THIS, reason: str = "", now: datetime | None = None
) -> Booking:
    """Cancel one date, or every date of its series from this one on: all of them, or none."""
    now = now or utcnow()
    if scope == Scope.THIS:
        return bookings.transition(actor, booking_id, "cancel", reason=reason, now=now)
    with unit_of_work():  # every date or none: each cancellation joins this unit
        booking = bookings.get_booking(actor, booking_id)
        dates_from(booking, now)  # a series, or a 422 saying it is not one
        targets = [b for b in still_to_come(booking.group, now) if b.start_at >= booking.start_at]
        if not targets:
            raise _nothing_to("cancel", booking, now)
        for target in targets:
            # a hold that lapsed meanwhile is refused without a write: it no longer holds the space either
            with contextlib.suppress(Conflict):
                bookings.transition(actor, target.id, "cancel", reason=reason, now=now)
    return booking
