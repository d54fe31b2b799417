"""Companies, the people who act for them or for the venues, and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.clock import utcnow
from booking.extensions import db
from booking.infra.dbtypes import UTCDateTime


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"


class CompanyStatus(enum.StrEnum):
    PENDING = "pending"  # signed up on its own, not yet approved by staff: its bookings wait
    ACTIVE = "active"
    DECLINED = "declined"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=CompanyStatus.ACTIVE)
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2
    vat_number: Mapped[str] = mapped_column(String(40), default="")
    billing_address: Mapped[str] = mapped_column(String(500), default="")
    # whether door displays may show this company's booking titles
    share_titles: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str] = mapped_column(String(20), default=Role.CUSTOMER)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    # an e-mail the day before each booking (address, access, check-in); one click turns it off
    remind_day_before: Mapped[bool] = mapped_column(default=True)
    # None until the person followed the link mailed at sign-up; they cannot sign in before
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    company_admin: Mapped[bool] = mapped_column(default=False)  # invites and removes colleagues
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is kept, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LinkPurpose(enum.StrEnum):
    VERIFY = "verify"  # the address given at sign-up
    RESET = "reset"  # a forgotten password
    INVITE = "invite"  # a colleague asked to join a company


class AccountLink(db.Model):
    """A single-use, expiring link mailed to someone; only its SHA-256 is kept."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SignupAttempt(db.Model):
    """A sign-up (or forgotten-password) request, counted per client address and per e-mail to limit them."""

    __tablename__ = "signup_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "signup" | "reset"
    address: Mapped[str] = mapped_column(String(64), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
