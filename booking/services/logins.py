"""Sign-in with a growing delay after failures, counted in the database.

The count lives in the database rather than in process memory because the web role runs
as several gunicorn workers and replicas: an in-memory limiter would let an attacker try
``limit x workers x replicas`` passwords. Only failures count, per email and per address,
so a person who types their password right is never slowed down by others.

Nobody is locked out: after the free failures each further attempt waits a little longer
(doubling, at most the window), so guessing stays slow while the account's owner, who
mistyped a few times, is back in after seconds. An attempt made while waiting is refused
without looking at the password, and does not count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from booking.extensions import db
from booking.models import LoginFailure, User
from booking.services import accounts

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
        db.session.add(LoginFailure(email=email[:254], address=address[:64], at=now))
        # keep the table small: what is out of every window is of no use
        db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
        db.session.commit()
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
