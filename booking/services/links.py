"""Single-use, expiring links mailed to people (verify an address, reset a password, join a company).

The token travels only in the mail; the database keeps its SHA-256, so reading the database
gives nobody a way in. Using a link marks it used in the same transaction as what it does.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from booking.extensions import db
from booking.models import AccountLink, User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, purpose: str, ttl: timedelta, *, now: datetime | None = None) -> str:
    """A new link for ``user`` (in the caller's transaction); earlier unused ones for the same purpose die."""
    now = now or datetime.now(UTC)
    db.session.flush()  # the user's id
    db.session.execute(
        update(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.purpose == purpose, AccountLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountLink(purpose=purpose, user_id=user.id, token_hash=_hash(token), created_at=now, expires_at=now + ttl)
    )
    return token


def find(token: str, purpose: str, *, now: datetime | None = None) -> AccountLink | None:
    """The live link this token opens, or None (unknown, used, expired, or for something else)."""
    now = now or datetime.now(UTC)
    link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == _hash(token or "")))
    if link is None or link.purpose != purpose or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def use(link: AccountLink, *, now: datetime | None = None) -> bool:
    """Spend a link (the caller commits); False when another request spent it first."""
    spent = db.session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=now or datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1
