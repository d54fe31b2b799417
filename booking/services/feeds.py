"""Calendar feed tokens: create, list, revoke, and what a feed shows to whom."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from booking import access
from booking.errors import Invalid, NotFound
from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking, FeedScope, FeedToken, Space, User
from booking.rules import Problem
from booking.services import catalog
from booking.services.accounts import LAST_USED_RESOLUTION, hash_token
from booking.services.unit_of_work import unit_of_work

TOKEN_PREFIX = "feed_"
# what a feed covers: recent past (so a cancellation reaches calendars) and the year ahead
PAST = timedelta(days=60)
AHEAD = timedelta(days=400)
DEFAULT_TIMEZONE = "Europe/Paris"
# how often calendar apps are asked to poll (REFRESH-INTERVAL, X-PUBLISHED-TTL): a booking made or
# cancelled shows within the hour, and a thousand subscribed calendars cost a request each per hour
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class FeedEntry:
    booking: Booking
    visible: bool  # False: another company's booking, to show as busy only


@dataclass(frozen=True)
class Feed:
    token: FeedToken
    owner: User
    name: str
    timezone: str
    entries: list[FeedEntry]


def create_feed(actor: User, scope: str, *, site: str | None = None, space: str | None = None) -> tuple[str, FeedToken]:
    """A new private feed URL token; the plain token is returned once and never stored."""
    with unit_of_work():
        record = FeedToken(user_id=actor.id, scope=scope)
        if scope == FeedScope.ORGANISATION:
            if actor.organisation is None:
                raise Invalid([Problem("scope", "you do not belong to a company")])
            record.organisation_id = actor.organisation_id
        elif scope == FeedScope.SITE:
            record.site_id = catalog.get_site(site or "", field="site").id
        elif scope == FeedScope.SPACE:
            found = catalog.get_space(site or "", space or "", as_field=True)
            record.site_id, record.space_id = found.site_id, found.id
        else:
            raise Invalid([Problem("scope", f"must be one of {', '.join(FeedScope)}")])
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        record.token_hash = hash_token(token)
        db.session.add(record)
    return token, record


def list_feeds(actor: User) -> list[FeedToken]:
    """The actor's feeds that still work, newest first."""
    query = select(FeedToken).where(FeedToken.user_id == actor.id, FeedToken.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(FeedToken.id.desc())))


def revoke_feed(actor: User, feed_id: int, *, now: datetime | None = None) -> None:
    with unit_of_work():
        record = db.session.get(FeedToken, feed_id)
        if record is None or record.revoked_at is not None:
            raise NotFound(f"no feed {feed_id}")
        if not access.may_manage_user(actor, record.user_id):
            raise NotFound(f"no feed {feed_id}")
        record.revoked_at = now or datetime.now(UTC)


def read_feed(token: str, *, now: datetime | None = None) -> Feed:
    """The bookings a feed shows, each marked whether its owner may see the details."""
    now = now or datetime.now(UTC)
    record = db.session.scalar(select(FeedToken).where(FeedToken.token_hash == hash_token(token)))
    if record is None or record.revoked_at is not None or not record.user.active:
        raise NotFound("no such feed")
    owner = record.user
    if (
        record.scope == FeedScope.ORGANISATION
        and not access.may_see(owner, record.organisation_id)
    ):
        raise NotFound("no such feed")  # its owner left the company
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        with unit_of_work():
            record.last_used_at = now
    query = (
        select(Booking)
        .options(joinedload(Booking.space).joinedload(Space.site), joinedload(Booking.organisation))
        .where(
            # both bounds: a feed reads through the (organisation_id, start_at) index or the
            # (space_id, block_start) one, whichever its scope has
            *Booking.ends_after(now - PAST),
            *Booking.block_ends_after(now - PAST),
            Booking.start_at < now + AHEAD,
        )
        .order_by(Booking.start_at, Booking.id)
    )
    if record.scope == FeedScope.ORGANISATION:
        query = query.where(Booking.organisation_id == record.organisation_id)
        name, timezone = record.organisation.name, DEFAULT_TIMEZONE  # every venue is in it today
    elif record.scope == FeedScope.SITE:
        query = query.join(Space).where(Space.site_id == record.site_id)
        name, timezone = record.site.name, record.site.timezone
    else:
        query = query.where(Booking.space_id == record.space_id)
        name, timezone = f"{record.space.name} · {record.site.name}", record.site.timezone
    entries = []
    for booking in db.session.scalars(query):
        visible = access.may_see(owner, booking.organisation_id)
        # another company's booking is only "busy", and only while it holds the space
        if visible or booking.status in ACTIVE_STATUSES:
            entries.append(FeedEntry(booking, visible))
    return Feed(record, owner, name, timezone, entries)
