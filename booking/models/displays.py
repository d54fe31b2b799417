"""Door and lobby displays: wall tablets authorised by a revocable token, not by a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.clock import utcnow
from booking.extensions import db
from booking.infra.dbtypes import UTCDateTime
from booking.models.accounts import User
from booking.models.sites import Site, Space


class DisplayToken(db.Model):
    """One display's key: a site's lobby (no space) or one space's door; only its SHA-256 is kept.

    It is not an API token: it ends up in a URL typed into a tablet on a wall, so it opens
    that one display's page, state and door actions (check in, book now), and nothing else.
    """

    __tablename__ = "display_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"))  # None: the site's lobby
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the operator's CLI
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    space: Mapped[Space | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_lobby(self) -> bool:
        return self.space_id is None
