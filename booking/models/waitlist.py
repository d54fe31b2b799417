"""Companies waiting for a slot that is taken; the first in line gets a hold when it frees."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.clock import utcnow
from booking.extensions import db
from booking.infra.dbtypes import UTCDateTime
from booking.models.accounts import Organisation, User
from booking.models.bookings import Booking
from booking.models.sites import Space


class WaitStatus(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # a hold was made for it
    CANCELLED = "cancelled"
    LAPSED = "lapsed"  # the slot's time passed while waiting


class WaitlistEntry(db.Model):
    __tablename__ = "waitlist_entries"
    __table_args__ = (
        Index("ix_waitlist_space_status_start", "space_id", "status", "start_at"),
        # the sweep (every 2 minutes) asks for the waiting entries of every space at once
        Index("ix_waitlist_status_start", "status", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attendees: Mapped[int]
    layout: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=WaitStatus.WAITING)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))  # the hold offered
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User] = relationship()
    space: Mapped[Space] = relationship()
    booking: Mapped[Booking | None] = relationship()
