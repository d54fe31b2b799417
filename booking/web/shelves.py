"""My bookings sorted as a reader looks for them: what is coming first, then what took place, then
what was cancelled; the dates of a series (or the stops of a roadshow) folded into one item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from booking.models import Booking, BookingGroup
from booking.rules import ACTIVE_STATUSES, Status
from booking.services.extras import booking_quote

SHELVES = ("upcoming", "past", "cancelled")
# a no-show still took place (the space was kept for it); these never did
NEVER_HAPPENED = (Status.CANCELLED, Status.REJECTED, Status.EXPIRED)


@dataclass
class Item:
    """One entry of My bookings: a booking alone, or the dates of one series or roadshow on one shelf."""

    group: BookingGroup | None
    bookings: list[Booking] = field(default_factory=list)

    @property
    def first(self) -> Booking:
        return self.bookings[0]

    @property
    def last(self) -> Booking:
        return self.bookings[-1]

    @property
    def incl_vat(self) -> Decimal:
        """The dates' total with their services: the sum of the quotes each date's own card shows."""
        return sum((booking_quote(b).incl_vat for b in self.bookings), Decimal(0))

    @property
    def statuses(self) -> list[str]:
        """Each status once, in the order the dates have them."""
        return list(dict.fromkeys(b.status for b in self.bookings))


def shelf_of(booking: Booking, now: datetime) -> str:
    if booking.status in NEVER_HAPPENED:
        return "cancelled"
    if booking.status in ACTIVE_STATUSES and booking.end_at > now:
        return "upcoming"
    return "past"


def shelve(bookings: list[Booking], now: datetime) -> dict[str, list[Item]]:
    """Bookings on their shelves: upcoming soonest first, past and cancelled latest first."""
    shelves: dict[str, list[Item]] = {name: [] for name in SHELVES}
    grouped: dict[tuple[str, int], Item] = {}
    for booking in sorted(bookings, key=lambda b: (b.start_at, b.id)):
        shelf = shelf_of(booking, now)
        if booking.group is None:
            shelves[shelf].append(Item(None, [booking]))
            continue
        key = (shelf, booking.group.id)
        if key not in grouped:
            grouped[key] = Item(booking.group)
            shelves[shelf].append(grouped[key])
        grouped[key].bookings.append(booking)
    for name in ("past", "cancelled"):
        shelves[name].sort(key=lambda item: item.last.start_at, reverse=True)
    return shelves
