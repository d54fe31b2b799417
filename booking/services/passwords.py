"""Forgotten and changed passwords.

A reset is asked for by e-mail address; the answer is the same whether an account exists or not
(the mailbox learns which), the link works once for ``RESET_LINK_MINUTES``, and only its hash is
stored. Setting a new password spends every other reset link of that person.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from booking.errors import Invalid
from booking.extensions import db
from booking.models import LinkPurpose, User
from booking.rules import Problem
from booking.services import links, logins, signup
from booking.services.signup import MIN_PASSWORD
from booking.services.unit_of_work import unit_of_work


def request_reset(email: str, *, address: str, now: datetime | None = None) -> None:
    """Mail a reset link if ``email`` has an active account; say nothing either way."""
    now = now or datetime.now(UTC)
    email = (email or "").strip().lower()
    signup.throttle("reset", email, address, now)  # its own unit: the attempt counts whatever happens next
    with unit_of_work():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None or not user.active:
            return
        minutes = current_app.config["RESET_LINK_MINUTES"]
        token = links.issue(user, LinkPurpose.RESET, timedelta(minutes=minutes), now=now)
        from booking.mail import render

        values = {"url": render.link("passwords.reset", token=token), "email": user.email, "minutes": minutes}
        signup.account_mail("reset", user, values, key=f"reset/{token[:16]}", now=now, secret=True)


def _check(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise Invalid([Problem("password", f"must be at least {MIN_PASSWORD} characters")])


def reset(token: str, password: str, *, now: datetime | None = None) -> User | None:
    """Set a new password through a reset link; None when the link is unknown, used or expired."""
    now = now or datetime.now(UTC)
    _check(password)
    with unit_of_work():
        link = links.find(token, LinkPurpose.RESET, now=now)
        if link is None or not links.use(link, now=now):  # dead, or spent a moment ago: nothing written
            return None
        user = link.user
        user.password_hash = generate_password_hash(password)
        user.email_verified_at = user.email_verified_at or now  # the link reached that mailbox
        # a reset is for a lost or stolen password: whoever is signed in with the old one is signed out
        logins.end_every_session(user)  # in this unit: the new password and the sign-outs together
    return user


def change(user: User, current: str, new: str) -> None:
    """Change one's own password, knowing the current one; every session of the person ends."""
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise Invalid([Problem("current", "is not your current password")])
    _check(new)
    user.password_hash = generate_password_hash(new)
    # the other browsers knew the old password: they sign in again (the caller starts this one anew)
    logins.end_every_session(user)  # commits the new password with it
