"""A company's people: its admins invite colleagues by e-mail, remove them, and pass the admin role on.

Everyone in a company sees and manages the company's bookings (``bookings.can_see``); only its
admins change who belongs to it. An invited person chooses their own password through the
invitation's single-use link.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from booking.errors import Conflict, Forbidden, Invalid, NotFound
from booking.extensions import db
from booking.mail import compose, render
from booking.models import LinkPurpose, Role, User
from booking.rules import Problem
from booking.services import links, signup
from booking.services.unit_of_work import unit_of_work

INVITE_DAYS = 7


def _admin(actor: User) -> None:
    if actor.organisation_id is None or not actor.company_admin:
        raise Forbidden("only your company's administrators manage its people")


def members(actor: User) -> list[User]:
    """The company's active people, admins first."""
    if actor.organisation_id is None:
        raise Forbidden("for companies' accounts")
    query = select(User).where(User.organisation_id == actor.organisation_id, User.active)
    return list(db.session.scalars(query.order_by(User.company_admin.desc(), User.name, User.email)))


def _member(actor: User, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.organisation_id != actor.organisation_id or not user.active:
        raise NotFound(f"no colleague {user_id}")
    return user


def invite(actor: User, email: str, name: str = "", *, now: datetime | None = None) -> User:
    """Mail a colleague a link to join the company; they choose their password."""
    with unit_of_work():
        _admin(actor)
        now = now or datetime.now(UTC)
        email = (email or "").strip().lower()
        try:
            compose.address(email)
        except compose.BadAddress:
            raise Invalid([Problem("email", "is not an email address")]) from None
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            raise Conflict("this address already has an account")
        user = User(
            email=email, name=compose.one_line(name), role=Role.CUSTOMER, organisation_id=actor.organisation_id,
            password_hash=None, locale=actor.locale, email_verified_at=None, created_at=now,
        )  # fmt: skip
        db.session.add(user)
        token = links.issue(user, LinkPurpose.INVITE, timedelta(days=INVITE_DAYS), now=now)
        values = {"url": render.link("colleagues.accept", token=token), "person": actor.name or actor.email,
                  "company": actor.organisation.name, "days": INVITE_DAYS}  # fmt: skip
        signup.account_mail("invite", user, values, key=f"invite/{token[:16]}", now=now, secret=True)
    return user


def accept(token: str, name: str, password: str, *, now: datetime | None = None) -> User | None:
    """Follow an invitation: the address is verified, the password chosen; None if the link is dead."""
    now = now or datetime.now(UTC)
    if len(password or "") < signup.MIN_PASSWORD:
        raise Invalid([Problem("password", f"must be at least {signup.MIN_PASSWORD} characters")])
    with unit_of_work():
        link = links.find(token, LinkPurpose.INVITE, now=now)
        if link is None or not links.use(link, now=now):  # dead, or spent a moment ago: nothing written
            return None
        user = link.user
        user.name = compose.one_line(name) or user.name
        user.password_hash = generate_password_hash(password)
        user.email_verified_at = now
    return user


def remove(actor: User, user_id: int) -> None:
    """Take someone out of the company: they can no longer sign in; the company keeps its bookings."""
    with unit_of_work():
        _admin(actor)
        user = _member(actor, user_id)
        if user.id == actor.id:
            raise Conflict("pass the admin role on before leaving")
        user.active = False


def make_admin(actor: User, user_id: int) -> None:
    """Pass the admin role on to a colleague (who has signed in at least once: their address is theirs)."""
    with unit_of_work():
        _admin(actor)
        user = _member(actor, user_id)
        if user.email_verified_at is None:
            raise Conflict("this colleague has not accepted the invitation yet")
        user.company_admin = True
        actor.company_admin = False
