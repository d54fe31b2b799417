"""A series as one thing: its dates still to come, cancelled in one go."""

from __future__ import annotations

from datetime import datetime

from booking import access, rules
from booking.clock import utcnow
from booking.errors import Conflict, NotFound
from booking.extensions import db
from booking.models import Booking, BookingGroup, User
from booking.services import signals
from booking.services.bookings import record_change
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
            record_change(booking, actor, "cancel", cancelled, detail={"series": True})
            after_commit(lambda booking=booking: signals.slot_freed.send(booking, now=now))
    return dates
