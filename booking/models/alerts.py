"""Alerts that staff act on: raised by the scheduler, acknowledged by a person, resolved."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.clock import utcnow
from booking.extensions import db
from booking.infra.dbtypes import UTCDateTime
from booking.models.accounts import User
from booking.models.bookings import Booking
from booking.models.sites import Space


class AlertKind(enum.StrEnum):
    OVER_CAPACITY = "over_capacity"
    IN_USE_WITHOUT_BOOKING = "in_use_without_booking"
    NO_SHOW = "no_show"
    SENSOR_OFFLINE = "sensor_offline"
    OVERRUN = "overrun"


class AlertStatus(enum.StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


OPEN_ALERT_STATUSES = (AlertStatus.RAISED, AlertStatus.ACKNOWLEDGED)


class Alert(db.Model):
    __tablename__ = "alerts"
    __table_args__ = (
        # one open alert per kind, space and booking: a condition seen every minute is one alert
        Index(
            "uq_alerts_open_key",
            "open_key",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
        Index("ix_alerts_status_raised", "status", "raised_at"),
        # the watch asks every minute for each space's open alerts: by space and status, not every
        # alert the space ever had (thousands after a few years)
        Index("ix_alerts_space_status", "space_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    # "<kind>:<space>:<booking or ->", so NULL bookings deduplicate too
    open_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default=AlertStatus.RAISED)
    message: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the condition cleared

    space: Mapped[Space] = relationship()
    booking: Mapped[Booking | None] = relationship()
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    @property
    def is_open(self) -> bool:
        return self.status != AlertStatus.RESOLVED
