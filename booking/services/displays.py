"""Door and lobby displays: their tokens, what they show, and what may be done at the door.

A display is a device, not a person: its token opens one site's lobby or one space's door,
and allows only that display's own actions (checking the current booking in, booking the free
room now for the venue's walk-in account). Every booking rule still applies: both go through
the same services as a company's own check-in and booking.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from booking import daylife, doorsign, rules
from booking.clock import utcnow
from booking.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unauthorized
from booking.extensions import db
from booking.infra import dbtypes
from booking.models import ACTIVE_STATUSES, Booking, DisplayToken, Organisation, Site, Space, Status, User
from booking.rules import Problem
from booking.services import catalog
from booking.services.accounts import LAST_USED_RESOLUTION, hash_token
from booking.services.readings import live_states
from booking.services.unit_of_work import unit_of_work

TOKEN_PREFIX = "dsp_"
NOT_AUTHORISED = "this display is not authorised"
# the venue's own account for rooms booked at the door
WALK_IN_ORGANISATION = "walk-in"
WALK_IN_EMAIL = "walk-in@onexperience.invalid"



# --- tokens ----------------------------------------------------------------------------------


def create_display(
    site: str, space: str | None = None, *, name: str = "", actor: User | None = None
) -> tuple[str, DisplayToken]:
    """A new display token for a site's lobby or one of its spaces; the plain token is returned once."""
    with unit_of_work():
        if actor is not None and not actor.is_staff:
            raise Forbidden("venue staff only")
        found_site = catalog.get_site(site, field="site")
        record = DisplayToken(site_id=found_site.id, name=name, created_by_id=actor.id if actor else None)
        if space:
            record.space_id = catalog.get_space(site, space, as_field=True).id
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        record.token_hash = hash_token(token)
        db.session.add(record)
    return token, record


def list_displays(actor: User | None = None, *, site: str | None = None) -> list[DisplayToken]:
    """Displays that still work, newest first (staff)."""
    if actor is not None and not actor.is_staff:
        raise Forbidden("venue staff only")
    query = (
        select(DisplayToken)
        .options(joinedload(DisplayToken.site), joinedload(DisplayToken.space))
        .where(DisplayToken.revoked_at.is_(None))
    )
    if site:
        query = query.where(DisplayToken.site_id == catalog.get_site(site).id)
    return list(db.session.scalars(query.order_by(DisplayToken.id.desc())))


def revoke_display(display_id: int, *, actor: User | None = None, now: datetime | None = None) -> DisplayToken:
    """Stop a display's token from working; its page says so at its next refresh."""
    with unit_of_work():
        if actor is not None and not actor.is_staff:
            raise Forbidden("venue staff only")
        record = db.session.get(DisplayToken, display_id)
        if record is None or record.revoked_at is not None:
            raise NotFound(f"no display {display_id}")
        record.revoked_at = now or utcnow()
    return record


def display_url(record: DisplayToken, token: str, *, base: str) -> str:
    """The page a display opens: the token is its key, as for a calendar feed."""
    where = f"/display/{record.site.slug}" + (f"/{record.space.slug}" if record.space else "")
    return f"{base.rstrip('/')}{where}?token={token}"


def public_base(config: Mapping[str, object], fallback: str) -> str:
    """The service's public address: ONEXP_PUBLIC_URL, else ONEXP_FEED_BASE_URL, else ``fallback``."""
    return str(config.get("PUBLIC_URL") or config.get("FEED_BASE_URL") or fallback).rstrip("/")


def authorise(token: str | None, site: str, space: str | None = None, *, now: datetime | None = None) -> DisplayToken:
    """The display whose token this is, if it is valid and was made for exactly this site and space.

    Not cached: a revoked token must stop every worker within the display's next refresh.
    """
    if not token:
        raise Unauthorized(NOT_AUTHORISED)
    query = select(DisplayToken).options(joinedload(DisplayToken.site), joinedload(DisplayToken.space))
    record = db.session.scalar(query.where(DisplayToken.token_hash == hash_token(token)))
    if record is None or record.revoked_at is not None:
        raise Unauthorized(NOT_AUTHORISED)
    made_for = (record.site.slug, record.space.slug if record.space else None)
    if made_for != (site, space):
        raise Forbidden(f"{NOT_AUTHORISED} for {site}/{space}" if space else f"{NOT_AUTHORISED} for {site}")
    if record.space is not None and not record.space.active:
        raise NotFound(f"no space {space!r} at {site!r}")
    now = now or utcnow()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        # a hint for staff ("last seen"), not an audit: every 5 minutes at most, in a transaction of
        # its own, since a display's refresh only reads (on SQLite, without the write lock)
        dbtypes.commit_keeping_loaded(db.session())  # ends the read, begun without the write lock (SQLite)
        with dbtypes.writable(), unit_of_work(keep_loaded=True):
            record.last_used_at = now
    return record


# --- what a display shows -------------------------------------------------------------------


@dataclass(frozen=True)
class RoomView:
    site: Site
    space: Space
    now: datetime
    sign: doorsign.DoorSign
    walk_ins: tuple[int, ...]  # the "book now" durations the space's rules allow; empty: none


@dataclass(frozen=True)
class LobbyView:
    site: Site
    now: datetime
    rooms: list[RoomView]
    events: list[tuple[Space, doorsign.DoorBooking]]  # today's bookings of the site, soonest first


def _local_day(site: Site, now: datetime) -> tuple[datetime, datetime]:
    """Today, in the site's time zone, as a UTC interval."""
    policy_tz = rules.SpacePolicy(timezone=site.timezone, opening_hours={}, capacities={}).tz
    local = now.astimezone(policy_tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def _door_booking(booking: Booking) -> doorsign.DoorBooking:
    # titles are the company's business: shown only where it allowed door displays to show them
    return doorsign.DoorBooking(
        id=booking.id, start=booking.start_at, end=booking.end_at, block_start=booking.block_start,
        status=booking.status, title=booking.title if booking.organisation.share_titles else None,
        checked_in_at=booking.checked_in_at,
    )  # fmt: skip


def _today(spaces: list[Space], site: Site, now: datetime) -> dict[int, list[doorsign.DoorBooking]]:
    """Each space's active bookings that have not ended, today (and one running past midnight)."""
    _day_start, day_end = _local_day(site, now)
    query = (
        select(Booking)
        .options(joinedload(Booking.organisation))
        .where(
            Booking.space_id.in_([space.id for space in spaces]),
            Booking.status.in_(ACTIVE_STATUSES),
            *Booking.ends_after(now),
            Booking.start_at < day_end,
        )
        .order_by(Booking.start_at)
    )
    by_space: dict[int, list[doorsign.DoorBooking]] = {space.id: [] for space in spaces}
    for booking in db.session.scalars(query):
        by_space[booking.space_id].append(_door_booking(booking))
    return by_space


def _views(site: Site, spaces: list[Space], now: datetime) -> list[RoomView]:
    today = _today(spaces, site, now)
    _day_start, day_end = _local_day(site, now)
    views = []
    for space, live in zip(spaces, live_states(spaces, now), strict=True):
        policy = catalog.policy_of(space)
        sensing = doorsign.Sensing(
            present=live["present"], count=live["count"], fresh=live["fresh"], health=live["health"]
        )
        door = doorsign.DoorSpace(space.checkin_grace_minutes, space.profile, space.manual_checkin)
        opening = rules.opening_intervals(policy, now.astimezone(policy.tz).date())
        sign = doorsign.door_sign(now, today[space.id], sensing, door, opening, day_end=day_end)
        views.append(RoomView(site, space, now, sign, walk_ins=_walk_in_minutes(space)))
    return views


def _walk_in_minutes(space: Space) -> tuple[int, ...]:
    if not space.walk_ins or space.requires_approval:
        return ()
    return tuple(m for m in doorsign.WALK_IN_MINUTES if space.min_minutes <= m <= space.max_minutes)


def room_view(display: DisplayToken, *, now: datetime | None = None) -> RoomView:
    """What the door display of ``display``'s space shows now."""
    if display.space is None:
        raise Forbidden("a lobby display shows the whole site")
    space = catalog.get_space(display.site.slug, display.space.slug)
    return _views(space.site, [space], now or utcnow())[0]


def lobby_view(display: DisplayToken, *, now: datetime | None = None) -> LobbyView:
    """Every active space of the display's site with its state, and the site's bookings today."""
    now = now or utcnow()
    site = catalog.get_site(display.site.slug)
    spaces = [space for space in site.spaces if space.active]
    rooms = _views(site, spaces, now) if spaces else []
    events = [
        (room.space, booking)
        for room in rooms
        for booking in ([room.sign.current] if room.sign.current else []) + room.sign.upcoming
    ]
    events.sort(key=lambda pair: (pair[1].start, pair[0].name))
    return LobbyView(site, now, rooms, events)


# --- the walk-in account --------------------------------------------------------------------


def walk_in_account() -> User:
    """The venue's own account that rooms booked at the door belong to (made the first time)."""
    from booking.services import accounts

    user = db.session.scalar(select(User).where(User.email == WALK_IN_EMAIL))
    if user is not None:
        return user
    try:
        if db.session.scalar(select(Organisation).where(Organisation.slug == WALK_IN_ORGANISATION)) is None:
            # the venue's own: nothing private in "booked at the door", so the door may say it
            accounts.create_organisation(WALK_IN_ORGANISATION, "OneXperience — sans réservation", share_titles=True)
        return accounts.create_user(WALK_IN_EMAIL, organisation=WALK_IN_ORGANISATION, name="Walk-in")
    except (IntegrityError, Conflict):  # another display made it at the same moment
        db.session.rollback()
        return db.session.scalar(select(User).where(User.email == WALK_IN_EMAIL))


# --- at the door ---------------------------------------------------------------------------


class Refused(Exception):
    """A door action the rules refuse: ``code`` says which rule, for the display to explain."""

    def __init__(self, error: DomainError, code: str, **params: object) -> None:
        super().__init__(error.detail)
        self.error, self.code, self.params = error, code, params


def check_in(display: DisplayToken, booking_id: int, *, now: datetime | None = None) -> Booking:
    """Check in the booking at this display's door; the audit trail says the display did it."""
    from booking.services import checkin

    now = now or utcnow()
    space = _door_space(display)
    try:
        return checkin.check_in_at_door(space.id, booking_id, display=_who(display), now=now)
    except Conflict as error:
        booking = db.session.get(Booking, booking_id)
        if booking is None or booking.status != Status.CONFIRMED:
            raise Refused(error, "not_confirmed") from None
        opens, _closes = daylife.checkin_window(booking.start_at, booking.end_at)
        if now < opens:
            raise Refused(error, "too_early", at=opens) from None
        if now >= booking.end_at:
            raise Refused(error, "over") from None
        raise Refused(error, "changed") from None


def book_now(display: DisplayToken, minutes: int, *, title: str, now: datetime | None = None) -> Booking:
    """Book the free room from now for ``minutes``, for the venue's walk-in account, by every rule."""
    from booking.services import bookings, checkin

    now = (now or utcnow()).replace(microsecond=0)
    if minutes not in doorsign.WALK_IN_MINUTES:
        allowed = ", ".join(str(m) for m in doorsign.WALK_IN_MINUTES)
        raise Invalid([Problem("minutes", f"must be one of {allowed}")])
    space = _door_space(display)
    if not space.walk_ins:
        raise Refused(Forbidden("this space is not booked at the door"), "not_walk_in")
    if space.requires_approval:
        raise Refused(Forbidden("this space needs the venue's approval: book it in the portal"), "needs_approval")
    end = now + timedelta(minutes=minutes)
    req = bookings.BookingRequest(
        display.site.slug, space.slug, now, end, title, attendees=1, notes=f"booked at the door by {_who(display)}"
    )
    try:
        booking = bookings.book(walk_in_account(), req, now=now)
    except Conflict as error:
        taken = [datetime.fromisoformat(busy["start"]) for busy in error.extra.get("conflicts", [])]
        raise Refused(error, "overlaps", at=min(taken, default=None)) from None
    except Invalid as error:
        raise _explained(error, catalog.policy_of(space), now, end) from None
    # booked by the people standing at the door: they are here, so no no-show release for it
    return checkin.check_in_at_door(space.id, booking.id, display=_who(display), now=now)


def _explained(error: Invalid, policy: rules.SpacePolicy, start: datetime, end: datetime) -> Refused:
    """Which rule refused a walk-in, worked out from the rules themselves rather than their wording."""
    minutes = (end - start).total_seconds() / 60
    if start.astimezone(policy.tz).date() in policy.closed_days:
        return Refused(error, "closed")
    if not rules.within_opening_hours(policy, start, end):
        intervals = rules.opening_intervals(policy, start.astimezone(policy.tz).date())
        closes = next((b for a, b in intervals if a <= start < b), None)
        return Refused(error, "outside_hours", at=closes)
    if minutes < policy.min_minutes:
        return Refused(error, "too_short", minutes=policy.min_minutes)
    if minutes > policy.max_minutes:
        return Refused(error, "too_long", minutes=policy.max_minutes)
    return Refused(error, "refused")


def _door_space(display: DisplayToken) -> Space:
    if display.space is None:
        raise Forbidden("a lobby display has no door to act at")
    return catalog.get_space(display.site.slug, display.space.slug)


def _who(display: DisplayToken) -> str:
    return f"display {display.id}" + (f" ({display.name})" if display.name else "")
