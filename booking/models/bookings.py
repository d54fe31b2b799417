"""Bookings, the series and roadshows that group them, and their audit trail."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, Numeric, String, func
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.clock import utcnow
from booking.extensions import db
from booking.infra.dbtypes import UTCDateTime
from booking.models.accounts import Organisation, User
from booking.models.extras import BookingService
from booking.models.sites import Space
from booking.rules import ACTIVE_STATUSES, MAX_BLOCK

# The exclusion constraint covers exactly the active statuses.
_ACTIVE_SQL = f"status IN ({', '.join(repr(str(status)) for status in ACTIVE_STATUSES)})"


def _where(condition: str) -> dict:
    """A partial index's condition, on both backends."""
    return {"postgresql_where": db.text(condition), "sqlite_where": db.text(condition)}


class BookingGroup(db.Model):
    """A recurring series (an RRULE) or a roadshow (several sites, all or nothing)."""

    __tablename__ = "booking_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "series" | "roadshow"
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    title: Mapped[str] = mapped_column(String(200))
    rrule: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    bookings: Mapped[list[Booking]] = relationship(back_populates="group", order_by="Booking.start_at")


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        # The guarantee: active bookings of one space, widened by their buffers, never
        # overlap. "[)" bounds let one block end exactly where the next begins.
        ExcludeConstraint(
            ("space_id", "="),
            (func.tstzrange(db.text("block_start"), db.text("block_end"), "[)"), "&&"),
            name="bookings_no_overlap",
            using="gist",
            where=db.text(_ACTIVE_SQL),
        ).ddl_if(dialect="postgresql"),
        # Availability: bookings of these spaces whose block starts in a bounded window.
        Index("ix_bookings_space_block", "space_id", "block_start"),
        Index("ix_bookings_org_start", "organisation_id", "start_at"),
        # Check-in, reminders, utilization: a window of start_at, whatever the space or company.
        # BRIN: bookings are written near their date, so a few pages of block ranges bound the scan;
        # a B-tree would also offer its order to "ORDER BY start_at LIMIT" queries filtering on
        # something else (a company, a space), which then walked the history from its first day.
        Index("ix_bookings_start", "start_at", postgresql_using="brin").ddl_if(dialect="postgresql"),
        # The few a status query looks for, not every booking: holds to expire or to warn about,
        # requests waiting for approval (migration f8b2d4a6c0e3 measures why).
        Index("ix_bookings_hold_expiry", "hold_expires_at", **_where("status = 'hold'")),
        Index("ix_bookings_pending_start", "start_at", **_where("status = 'pending'")),
        # A series' dates; most bookings are in none.
        Index("ix_bookings_group_id", "group_id", **_where("group_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("booking_groups.id"))
    title: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[int]
    layout: Mapped[str | None] = mapped_column(String(40))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # start/end widened by the space's setup and teardown buffers at booking time
    block_start: Mapped[datetime] = mapped_column(UTCDateTime)
    block_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    price_excl_vat: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # hybrid events: ``attendees`` come on site, these follow online (needs a streaming package)
    online_attendees: Mapped[int] = mapped_column(default=0)
    # the company's or staff's link to the stream: shown to the booker and staff only
    streaming_link: Mapped[str | None] = mapped_column(String(500))
    # what cancelling cost, by the space's policy at that moment; None while not cancelled
    cancellation_fee: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    notes: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    # optimistic locking: an UPDATE that lost a race matches no row and raises
    __mapper_args__ = {"version_id_col": version}

    space: Mapped[Space] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    group: Mapped[BookingGroup | None] = relationship(back_populates="bookings")
    events: Mapped[list[BookingEvent]] = relationship(back_populates="booking", order_by="BookingEvent.id")
    # ride in with the booking when it is added (see services/bookings.py _insert)
    services: Mapped[list[BookingService]] = relationship(
        back_populates="booking", order_by="BookingService.id", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    # No block is longer than MAX_BLOCK (the catalog refuses a space whose longest booking and
    # buffers would be), so a booking that ends after a moment began at most MAX_BLOCK before it:
    # the lower bound that lets the start_at and (space_id, block_start) indexes read those days
    # only, not every booking the service ever had.
    @classmethod
    def ends_after(cls, moment: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
        """The conditions for a booking whose own time ends after ``moment``."""
        return cls.end_at > moment, cls.start_at >= moment - MAX_BLOCK

    @classmethod
    def block_ends_after(cls, moment: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
        """The conditions for a booking whose block (its buffers included) ends after ``moment``."""
        return cls.block_end > moment, cls.block_start >= moment - MAX_BLOCK


class BookingEvent(db.Model):
    """One line of a booking's audit trail: who changed what, when."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    booking: Mapped[Booking] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
