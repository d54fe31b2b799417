"""What a booking's services cost line by line, which it may carry, and what cancelling costs.

Pure, like booking/rules.py: plain values in, plain values out. Each line carries its own VAT
rate (food served on site is taxed at 10% in France, the room and the crew at 20%), and the
quote's VAT is the sum of the lines' VAT, each rounded to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from booking.rules import VAT_RATE, Problem, Quote

KINDS = ("catering", "technician", "streaming", "kit")
PER = ("person", "hour", "booking")
STREAMING = "streaming"
KIT = "kit"


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Offered:
    """A service a site sells, as the rules see it."""

    slug: str
    name: str
    kind: str
    per: str  # what the quantity counts
    unit_price: Decimal
    vat_rate: Decimal
    stock: int | None = None  # kits: how many the site has
    spaces: frozenset[str] = frozenset()  # the spaces that may have it; empty: all of them

    def offered_in(self, space: str) -> bool:
        return not self.spaces or space in self.spaces


@dataclass(frozen=True)
class QuoteLine:
    """One line of a quote: the space, or one service, with its own VAT rate."""

    kind: str  # "space" or a service's kind
    item: str | None  # the service's slug; None for the space
    label: str
    quantity: int
    per: str
    unit_price: Decimal
    excl_vat: Decimal
    vat_rate: Decimal
    vat: Decimal
    incl_vat: Decimal


@dataclass(frozen=True)
class CancellationTerms:
    """Free until ``free_until``; after it, cancelling costs ``fee_percent`` of the price (``fee``)."""

    free_until: datetime
    fee_percent: int
    fee: Decimal  # excl. VAT, on the quote's total excl. VAT


def line(kind: str, item: str | None, label: str, quantity: int, per: str, unit_price: Decimal, vat_rate: Decimal):
    excl = cents(unit_price * quantity)
    vat = cents(excl * vat_rate)
    return QuoteLine(kind, item, label, quantity, per, unit_price, excl, vat_rate, vat, excl + vat)


def itemised(space_label: str, space_quote: Quote, services: Sequence[tuple[Offered, int]]) -> Quote:
    """The space's quote with one line for the space and one per service, totals summed from the lines."""
    lines = [line("space", None, space_label, 1, "booking", space_quote.excl_vat, VAT_RATE)]
    lines += [line(o.kind, o.slug, o.name, qty, o.per, o.unit_price, o.vat_rate) for o, qty in services]
    excl = sum((entry.excl_vat for entry in lines), Decimal("0"))
    vat = sum((entry.vat for entry in lines), Decimal("0"))
    return replace(space_quote, excl_vat=excl, vat=vat, incl_vat=excl + vat, items=tuple(lines))


def check_services(
    space: str,
    requested: Sequence[tuple[str, int]],
    offered: Mapping[str, Offered],
    *,
    online_attendees: int = 0,
) -> list[Problem]:
    """Everything wrong with the services asked for in ``space``; empty when fine."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, (slug, quantity) in enumerate(requested):
        where = f"services[{i}]."
        item = offered.get(slug)
        if item is None:
            known = sorted(offered)
            message = f"unknown service {slug!r}; this site offers: {', '.join(known) or 'none'}"
            problems.append(Problem(where + "item", message, "unknown_service", {"item": slug, "offered": known}))
            continue
        if not item.offered_in(space):
            message = f"{slug!r} is not offered in {space!r}"
            problems.append(Problem(where + "item", message, "service_not_here", {"item": slug, "space": space}))
        if slug in seen:
            message = f"{slug!r} is asked for twice: give one quantity"
            problems.append(Problem(where + "item", message, "service_repeated", {"item": slug}))
        seen.add(slug)
        if quantity < 1:
            problems.append(Problem(where + "quantity", "must be at least 1", "too_few", {"item": slug}))
        elif item.per == "booking" and item.kind != KIT and quantity != 1:
            message = f"{slug!r} is sold once per booking: quantity 1"
            problems.append(Problem(where + "quantity", message, "once_per_booking", {"item": slug}))
    if online_attendees > 0:
        streaming = [o for o in offered.values() if o.kind == STREAMING and o.offered_in(space)]
        if not streaming:
            message = f"people online need a space with a streaming package; {space!r} has none"
            problems.append(Problem("online_attendees", message, "no_streaming_here", {"space": space}))
        elif not any(offered[slug].kind == STREAMING for slug in seen if slug in offered):
            message = f"people online need the streaming package: add {streaming[0].slug!r} to the services"
            params = {"item": streaming[0].slug, "name": streaming[0].name}
            problems.append(Problem("online_attendees", message, "streaming_needed", params))
    return problems


def cancellation_terms(total_excl_vat: Decimal, start: datetime, free_days: int, fee_percent: int) -> CancellationTerms:
    """The policy applied to one booking: free until ``free_days`` before ``start``."""
    fee = cents(total_excl_vat * fee_percent / 100)
    return CancellationTerms(start - timedelta(days=free_days), fee_percent, fee)


def cancellation_fee(terms: CancellationTerms | None, now: datetime) -> Decimal:
    """What cancelling at ``now`` costs: nothing until the free period ends (or without terms), then the fee."""
    return Decimal("0.00") if terms is None or now <= terms.free_until else terms.fee
