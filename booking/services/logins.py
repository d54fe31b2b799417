"""Sign-in with a growing delay after failures, and the sessions it opens, both in the database.

The count lives in the database rather than in process memory because the web role runs
as several gunicorn workers and replicas: an in-memory limiter would let an attacker try
``limit x workers x replicas`` passwords. Only failures count, per email and per address,
so a person who types their password right is never slowed down by others.

Nobody is locked out: after the free failures each further attempt waits a little longer
(doubling, at most the window), so guessing stays slow while the account's owner, who
mistyped a few times, is back in after seconds. An attempt made while waiting is refused
without looking at the password, and does not count.

A session is a row, not just a signed cookie: signing out deletes it, so a cookie copied
before then is worth nothing; "sign out everywhere" deletes all of a person's; and each
lasts ``SESSION_HOURS`` at most, whatever the browser keeps.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import LoginFailure, LoginSession, User
from booking.services import accounts
from booking.services.unit_of_work import unit_of_work

# one address may be a whole office behind NAT: allow it more than one mailbox
ADDRESS_FACTOR = 4


@dataclass(frozen=True)
class Throttled:
    """Too many failures just now: how long until the next attempt is looked at."""

    retry_after: timedelta

    @property
    def seconds(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds()))


def delay_after(failures: int, free: int, first: timedelta, longest: timedelta) -> timedelta:
    """How long to wait after the latest of ``failures``: nothing below ``free``, then ``first``, doubling."""
    if failures < free:
        return timedelta(0)
    doublings = min(failures - free, 32)  # 2**32 seconds is far beyond any window: no overflow
    return min(first * 2**doublings, longest)


def sign_in(email: str, password: str, address: str, *, now: datetime | None = None) -> User | Throttled | None:
    """The user for these credentials, ``Throttled`` while a failure's delay runs, else None."""
    now = now or datetime.now(UTC)
    email = email.strip().lower()
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    throttle = _throttle(email, address, now, window)
    if throttle:
        return throttle
    user = accounts.check_login(email, password)
    if user is None:
        with unit_of_work():
            db.session.add(LoginFailure(email=email[:254], address=address[:64], at=now))
            # keep the table small: what is out of every window is of no use
            db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
    return user


def _throttle(email: str, address: str, now: datetime, window: timedelta) -> Throttled | None:
    free = current_app.config["LOGIN_FREE_FAILURES"]
    first = timedelta(seconds=current_app.config["LOGIN_BACKOFF_SECONDS"])
    since = now - window
    for column, value, allowed in (
        (LoginFailure.email, email[:254], free),
        (LoginFailure.address, address[:64], free * ADDRESS_FACTOR),
    ):
        count, latest = db.session.execute(
            select(func.count(), func.max(LoginFailure.at)).where(column == value, LoginFailure.at > since)
        ).one()
        if count:
            wait_until = latest + delay_after(count, allowed, first, window)
            if now < wait_until:
                return Throttled(wait_until - now)
    return None


def start_session(user: User, *, now: datetime | None = None) -> str:
    """A new session for ``user``; the key (for the cookie) is returned once, only its hash kept."""
    with unit_of_work():
        now = now or datetime.now(UTC)
        key = secrets.token_urlsafe(32)
        lifetime = timedelta(hours=current_app.config["SESSION_HOURS"])
        record = LoginSession(
            key_hash=accounts.hash_token(key), user_id=user.id, created_at=now, expires_at=now + lifetime
        )
        db.session.add(record)
        # what has expired is of no use: each sign-in tidies its own person's
        db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now))
    return key


def session_user(key: str, *, now: datetime | None = None) -> User | None:
    """The active person whose session this key opens, if it is still open."""
    now = now or datetime.now(UTC)
    query = (
        select(User)
        .options(joinedload(User.organisation))  # every page shows it
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.key_hash == accounts.hash_token(key), LoginSession.expires_at > now, User.active)
    )
    return db.session.scalar(query)


def end_session(key: str) -> None:
    """Sign out: this session's key opens nothing any more, wherever it was copied to."""
    with unit_of_work():
        db.session.execute(delete(LoginSession).where(LoginSession.key_hash == accounts.hash_token(key)))


def end_every_session(user: User) -> int:
    """Sign ``user`` out of every browser at once; how many sessions were open."""
    with unit_of_work():
        ended = db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id)).rowcount
    return ended


def open_sessions(user: User, *, now: datetime | None = None) -> int:
    """How many browsers ``user`` is signed in on."""
    now = now or datetime.now(UTC)
    query = select(func.count()).where(LoginSession.user_id == user.id, LoginSession.expires_at > now)
    return db.session.scalar(query)
