"""Companies, users and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from booking import access
from booking.clock import utcnow
from booking.errors import Conflict, Forbidden, Invalid, NotFound
from booking.extensions import db
from booking.infra import caching, dbtypes
from booking.models import ApiToken, Organisation, Role, User
from booking.rules import Problem
from booking.services.unit_of_work import unit_of_work

TOKEN_PREFIX = "onx_"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# last_used_at is a hint for humans, not an audit: writing it on every request would
# turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_organisation(slug: str, name: str, *, share_titles: bool = False) -> Organisation:
    with unit_of_work():
        if not SLUG.match(slug):
            raise Invalid([Problem("slug", "use lowercase letters, digits and dashes")])
        if db.session.scalar(select(Organisation).where(Organisation.slug == slug)):
            raise Conflict(f"organisation {slug!r} exists already")
        organisation = Organisation(slug=slug, name=name, share_titles=share_titles)
        db.session.add(organisation)
    return organisation


def get_organisation(slug: str, *, field: str = "organisation") -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise Invalid([Problem(field, f"unknown organisation {slug!r}")])
    return organisation


def create_user(
    email: str,
    *,
    role: str = Role.CUSTOMER,
    organisation: str | None = None,
    password: str | None = None,
    name: str = "",
    actor: User | None = None,
) -> User:
    """Add a user; ``actor`` None means the operator's CLI, which may do anything."""
    with unit_of_work():
        email = email.strip().lower()
        problems = []
        if not EMAIL.match(email):
            problems.append(Problem("email", "is not an email address"))
        if role not in set(Role):
            problems.append(Problem("role", f"must be one of {', '.join(Role)}"))
        if role == Role.CUSTOMER and not organisation:
            problems.append(Problem("organisation", "a customer belongs to an organisation"))
        if password is not None and len(password) < 10:
            problems.append(Problem("password", "must be at least 10 characters"))
        if problems:
            raise Invalid(problems)
        if actor is not None and role != Role.CUSTOMER and actor.role != Role.ADMIN:
            raise Forbidden("only an admin can add staff or admins")
        if db.session.scalar(select(User).where(User.email == email)):
            raise Conflict(f"a user {email} exists already")
        org = get_organisation(organisation) if organisation else None
        user = User(
            email=email,
            name=name,
            role=role,
            organisation=org,
            password_hash=generate_password_hash(password) if password else None,
            email_verified_at=utcnow(),  # staff or the operator vouch for the address
        )
        db.session.add(user)
    return user


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))


def user_managed_by(actor: User, user_id: int) -> User:
    """A user whose account things ``actor`` may manage (themselves, or anyone for staff)."""
    user = db.session.get(User, user_id)
    if user is None or not access.may_manage_user(actor, user.id):
        raise NotFound(f"no user {user_id}", params={"user": user_id})
    return user


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def get_user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"no user {email}")
    return user


def set_password(user: User, password: str) -> None:
    with unit_of_work():
        if len(password) < 10:
            raise Invalid([Problem("password", "must be at least 10 characters")])
        user.password_hash = generate_password_hash(password)


def check_login(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same answer for either mistake)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    # not verified yet: whoever typed the address at sign-up may not own it
    if user is None or not user.active or not user.password_hash or user.email_verified_at is None:
        generate_password_hash(password)  # same cost either way: no user enumeration by timing
        return None
    return user if check_password_hash(user.password_hash, password) else None


def create_token(user: User, *, name: str = "", actor: User | None = None) -> tuple[str, ApiToken]:
    """A new bearer token for ``user``; the plain token is returned once and never stored."""
    with unit_of_work():
        if actor is not None and not access.may_manage_user(actor, user.id):
            raise Forbidden("you can only create tokens for yourself")
        if actor is not None and _staff_over_admin(actor, user):
            raise Forbidden("only an admin can create tokens for an admin")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token))
        db.session.add(record)
    return token, record


def revoke_token(token_id: int, *, actor: User) -> None:
    """Revoke a token: whoever may create one for its owner may revoke it, nobody else."""
    with unit_of_work():
        record = db.session.get(ApiToken, token_id)
        if record is None or not access.may_manage_user(actor, record.user_id):
            raise NotFound(f"no token {token_id}")
        if _staff_over_admin(actor, record.user):
            raise Forbidden("only an admin can revoke tokens of an admin")
        record.revoked_at = utcnow()


def _staff_over_admin(actor: User, user: User) -> bool:
    # venue staff manage customers' tokens; an admin's are for admins alone, to make or to break
    return actor.role == Role.STAFF and user.role == Role.ADMIN


def user_for_token(token: str) -> User | None:
    """The user a bearer token belongs to, if the token is valid and not revoked.

    Cached per process for TOKEN_CACHE_SECONDS (misses never are): a revocation made by
    another worker takes effect here within that time, one made by this one at once.
    """
    token_hash = hash_token(token)
    return caching.cached("tokens", token_hash, lambda: _load_token_user(token_hash), "organisation")


def _load_token_user(token_hash: str) -> User | None:
    # the user and their company come along: every authenticated request needs both
    query = select(ApiToken).options(joinedload(ApiToken.user).joinedload(User.organisation))
    record = db.session.scalar(query.where(ApiToken.token_hash == token_hash))
    if record is None or record.revoked_at is not None or not record.user.active:
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        # in a transaction of its own: a read-only request's began without the write lock (SQLite)
        dbtypes.commit_keeping_loaded(db.session())  # ends the read, begun without the write lock (SQLite)
        with dbtypes.writable(), unit_of_work(keep_loaded=True):
            record.last_used_at = now
    return record.user


def ensure_organisation(slug: str, name: str | None = None) -> Organisation:
    """The organisation with this slug, created (named after it) when it does not exist."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    return organisation or create_organisation(slug, name or slug.replace("-", " ").title())


def set_locale(user: User, locale: str) -> None:
    """Remember the language a person reads pages and feeds in."""
    with unit_of_work():
        if locale not in ("fr", "en"):
            raise Invalid([Problem("locale", "must be fr or en")])
        user.locale = locale
