"""Private calendar feed URLs: what a token shows, and whose eyes it stands for."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.clock import utcnow
from booking.extensions import db
from booking.infra.dbtypes import UTCDateTime
from booking.models.accounts import Organisation, User
from booking.models.sites import Site, Space


class FeedScope(enum.StrEnum):
    ORGANISATION = "organisation"  # a company's own bookings, everywhere
    SITE = "site"
    SPACE = "space"


class FeedToken(db.Model):
    """A calendar app's key to one feed; only its SHA-256 is kept.

    It is not an API token: a feed URL ends up in third-party calendar services, so it
    can read one feed and nothing else. The feed shows what its owner may see, checked
    at every fetch, so a deactivated owner or a revoked token stops it at once.
    """

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    site: Mapped[Site | None] = relationship()
    space: Mapped[Space | None] = relationship()
