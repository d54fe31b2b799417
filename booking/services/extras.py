"""Services a booking carries: the site's offer, the stock of kits, and what a booking's quote says.

Kits are shared by a site's spaces, so two bookings of different spaces may want the last one
at once. Whoever books kits first locks the kits' rows (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite every writer already holds the database's write lock) and only then
counts what is in use: the next booking asking for that kit waits for the lock, then counts
with the first one committed. No two transactions can both see the last kit free.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from booking import pricing, rules, stock
from booking.errors import Conflict
from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking, BookingService, ServiceItem, Site, Space
from booking.rules import Problem

Chosen = list[tuple[ServiceItem, int]]


def offered(item: ServiceItem) -> pricing.Offered:
    return pricing.Offered(
        slug=item.slug, name=item.name, kind=item.kind, per=item.per, unit_price=item.price_excl_vat,
        vat_rate=item.vat_rate, stock=item.stock, spaces=frozenset(item.spaces or ()),
    )  # fmt: skip


def items_of(site_id: int) -> dict[str, ServiceItem]:
    query = select(ServiceItem).where(ServiceItem.site_id == site_id, ServiceItem.active).order_by(ServiceItem.id)
    return {item.slug: item for item in db.session.scalars(query)}


def choose(
    space: Space, requested: Sequence[tuple[str, int]], *, online_attendees: int = 0,
    carried: Sequence[ServiceItem] = (),
) -> tuple[Chosen, list[Problem]]:  # fmt: skip
    """The site's items for what was asked, and what is wrong with the request.

    ``carried``: the items a booking being changed already has, which it may keep even if the
    site has stopped selling them since.
    """
    if not requested and not online_attendees:
        return [], []
    items = {item.slug: item for item in carried} | items_of(space.site_id)
    problems = pricing.check_services(
        space.slug, requested, {slug: offered(item) for slug, item in items.items()}, online_attendees=online_attendees
    )
    if problems:
        return [], problems
    return [(items[slug], quantity) for slug, quantity in requested], []


def quote(space: Space, space_quote: rules.Quote, chosen: Chosen, start: datetime) -> rules.Quote:
    """The itemised quote of booking ``space`` with these services, with its cancellation terms."""
    itemised = pricing.itemised(space.name, space_quote, [(offered(item), qty) for item, qty in chosen])
    return with_terms(itemised, space, start)


def with_terms(quote: rules.Quote, space: Space, start: datetime) -> rules.Quote:
    """The quote with the space's cancellation terms; none where cancelling is always free."""
    if not space.cancel_fee_percent:
        return quote
    terms = pricing.cancellation_terms(quote.excl_vat, start, space.cancel_free_days, space.cancel_fee_percent)
    return dataclasses.replace(quote, cancellation=terms)


def attach(booking: Booking, chosen: Chosen) -> None:
    """The booking's service lines, at today's prices; they ride in with the booking."""
    booking.services = [
        BookingService(item=item, quantity=qty, unit_price=item.price_excl_vat, vat_rate=item.vat_rate)
        for item, qty in chosen
    ]


def as_lines(booking: Booking) -> list[dict]:
    """What a booking carries as the API and the audit trail say it: [{item, quantity}]."""
    return [{"item": line.item.slug, "quantity": line.quantity} for line in booking.services]


def priced(booking: Booking, chosen: Chosen) -> list[tuple[pricing.Offered, int]]:
    """The services a change leaves, each at the price the booking agreed for it, a new one at today's."""
    agreed = {line.item_id: line for line in booking.services}
    lines = []
    for item, quantity in chosen:
        line = agreed.get(item.id)
        price, vat_rate = (line.unit_price, line.vat_rate) if line else (item.price_excl_vat, item.vat_rate)
        lines.append((pricing.Offered(item.slug, item.name, item.kind, item.per, price, vat_rate), quantity))
    return lines


def quote_after(booking: Booking, space_quote: rules.Quote, chosen: Chosen, start: datetime) -> rules.Quote:
    """What ``booking`` would cost with these services and its space at ``space_quote``, as replace prices them."""
    itemised = pricing.itemised(booking.space.name, space_quote, priced(booking, chosen))
    return with_terms(itemised, booking.space, start)


def replace(booking: Booking, chosen: Chosen) -> None:
    """A changed booking's service lines: those it keeps at the price agreed, new ones at today's."""
    agreed = {line.item_id: line for line in booking.services}
    lines = []
    for item, quantity in chosen:
        line = agreed.get(item.id)
        if line is None:
            line = BookingService(item=item, unit_price=item.price_excl_vat, vat_rate=item.vat_rate)
        line.quantity = quantity
        lines.append(line)
    booking.services = lines  # the lines left out are deleted with the flush (delete-orphan)


def lock_kits(chosen_lists: Sequence[Chosen]) -> None:
    """Lock the rows of every kit asked for, in id order so two bookings never wait on each other."""
    ids = sorted({item.id for chosen in chosen_lists for item, _ in chosen if item.stock is not None})
    if ids:
        db.session.execute(
            select(ServiceItem.id).where(ServiceItem.id.in_(ids)).order_by(ServiceItem.id).with_for_update()
        )


def uses(item_id: int, block: tuple[datetime, datetime], now: datetime, exclude: int | None = None) -> list:
    """(block start, block end, quantity) of the active bookings holding the item during ``block``."""
    query = (
        select(Booking.block_start, Booking.block_end, BookingService.quantity, Booking.status, Booking.hold_expires_at)
        .join(Booking, Booking.id == BookingService.booking_id)
        .where(
            BookingService.item_id == item_id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.block_start < block[1],
            *Booking.block_ends_after(block[0]),
        )
    )
    if exclude is not None:
        query = query.where(Booking.id != exclude)
    return [
        (start, end, quantity)
        for start, end, quantity, status, expires in db.session.execute(query)
        if not rules.hold_lapsed(status, expires, now)  # a lapsed hold lends nothing, expired or not yet
    ]


def check_stock(
    space: Space, block: tuple[datetime, datetime], chosen: Chosen, now: datetime, *, exclude: int | None = None
) -> None:
    """A 409 naming the kit when fewer are left for ``block`` than asked; call after lock_kits."""
    for item, quantity in chosen:
        if item.stock is None:
            continue
        free = stock.left(item.stock, uses(item.id, block, now, exclude), *block)
        if quantity > free:
            params = {"item": item.slug, "name": item.name, "site": space.site.slug, "asked": quantity, "left": free}
            raise Conflict(
                f"{item.slug}: {free} left at {space.site.slug} then, {quantity} asked", code="out_of_stock",
                params=params,
            )  # fmt: skip


def stock_left(site_id: int, start: datetime, end: datetime, now: datetime) -> dict[int, int]:
    """Kits of a site still free for the whole window: item id -> how many."""
    kits = db.session.scalars(
        select(ServiceItem).where(ServiceItem.site_id == site_id, ServiceItem.active, ServiceItem.stock.is_not(None))
    )
    return {kit.id: stock.left(kit.stock, uses(kit.id, (start, end), now), start, end) for kit in kits}


def booking_quote(booking: Booking) -> rules.Quote:
    """A booking's quote from what it agreed: the space's price and each service at its booked price."""
    lines = [
        (pricing.Offered(s.item.slug, s.item.name, s.item.kind, s.item.per, s.unit_price, s.vat_rate), s.quantity)
        for s in booking.services
    ]
    itemised = pricing.itemised(booking.space.name, rules.quote_for_amount(booking.price_excl_vat), lines)
    return with_terms(itemised, booking.space, booking.start_at)


# --- seeding ---------------------------------------------------------------------------


def seed_services(site: Site, entries: list[dict]) -> int:
    """A site's services from sites.toml; those that left the file are deactivated, never deleted."""
    existing = {
        item.slug: item for item in db.session.scalars(select(ServiceItem).where(ServiceItem.site_id == site.id))
    }
    spaces = {space.slug for space in site.spaces}
    for item in existing.values():
        item.active = False
    for entry in entries:
        where = f"{site.slug}/{entry['slug']}"
        if entry["kind"] not in pricing.KINDS or entry["per"] not in pricing.PER:
            raise ValueError(f"{where}: kind is one of {pricing.KINDS}, per one of {pricing.PER}")
        unknown = set(entry.get("spaces", ())) - spaces
        if unknown:
            raise ValueError(f"{where}: unknown spaces {sorted(unknown)}")
        if (entry["kind"] == pricing.KIT) != ("stock" in entry):
            raise ValueError(f"{where}: kits, and only kits, have a stock")
        item = existing.get(entry["slug"])
        if item is None:
            item = ServiceItem(site_id=site.id, slug=entry["slug"])
            db.session.add(item)
        item.name = entry["name"]
        item.kind = entry["kind"]
        item.per = entry["per"]
        item.price_excl_vat = Decimal(str(entry["price"]))
        item.vat_rate = Decimal(str(entry.get("vat_rate", rules.VAT_RATE)))
        item.stock = entry.get("stock")
        item.spaces = list(entry.get("spaces", []))
        item.active = True
    return len(entries)
