"""Sign-in with a throttle on failures, counted in the database.

The count lives in the database rather than in process memory because the web role runs
as several gunicorn workers and replicas: an in-memory limiter would let an attacker try
``limit x workers x replicas`` passwords. Only failures count, per email and per address,
so a person who types their password right is never slowed down by others.
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
    """Too many failures: when the person may try again."""

    retry_after: timedelta

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds() / 60))


def sign_in(email: str, password: str, address: str, *, now: datetime | None = None) -> User | Throttled | None:
    """The user for these credentials, ``Throttled`` when there were too many failures, else None."""
    now = now or datetime.now(UTC)
    email = email.strip().lower()
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    throttle = _throttle(email, address, now, window, limit)
    if throttle:
        return throttle
    user = accounts.check_login(email, password)
    if user is None:
        db.session.add(LoginFailure(email=email[:254], address=address[:64], at=now))
        # keep the table small: what is out of every window is of no use
        db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
        db.session.commit()
    return user


def _throttle(email: str, address: str, now: datetime, window: timedelta, limit: int) -> Throttled | None:
    since = now - window
    for column, value, allowed in (
        (LoginFailure.email, email, limit),
        (LoginFailure.address, address, limit * ADDRESS_FACTOR),
    ):
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(column == value, LoginFailure.at > since)
        ).one()
        if count >= allowed:
            return Throttled(oldest + window - now)
    return None
