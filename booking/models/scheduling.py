"""Who leads the scheduler (SQLite: a lease row; PostgreSQL uses an advisory lock instead)
and the daily utilization figures the scheduler rolls up."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from booking.clock import utcnow
from booking.extensions import db
from booking.infra.dbtypes import UTCDateTime


class SchedulerLease(db.Model):
    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UtilizationDay(db.Model):
    """One space's figures for one local day; ``organisation_id`` 0 is the whole space,
    any other the part of the day booked by that company."""

    __tablename__ = "utilization_days"
    __table_args__ = (UniqueConstraint("day", "space_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(default=0)
    bookable_minutes: Mapped[int] = mapped_column(default=0)
    booked_minutes: Mapped[int] = mapped_column(default=0)
    occupied_minutes: Mapped[int] = mapped_column(default=0)
    booked_used_minutes: Mapped[int] = mapped_column(default=0)
    no_shows: Mapped[int] = mapped_column(default=0)
    peak_count: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
