"""The venues: sites, their bookable spaces, and closures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db


class Site(db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    # {"mon": [["08:00", "20:00"]], ...}; a space may override it
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(String(1000), default="")
    # how to get there and in: told in the reminder the day before; in French, and in English for visitors
    # from abroad (booking.directions picks the reader's)
    access: Mapped[str] = mapped_column(String(1000), default="")
    access_en: Mapped[str] = mapped_column(String(1000), default="")
    # an OpenStreetMap link to the entrance: the address alone does not find a door in Euroméditerranée
    map_url: Mapped[str] = mapped_column(String(500), default="")

    spaces: Mapped[list[Space]] = relationship(back_populates="site", order_by="Space.slug")


class Space(db.Model):
    __tablename__ = "spaces"
    __table_args__ = (UniqueConstraint("site_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))  # showroom, tv-set, studio, meeting-room...
    # "studio": people sit still while recording, so presence sensors cannot prove a no-show
    profile: Mapped[str] = mapped_column(String(20), default="standard")
    area_m2: Mapped[int | None]
    capacities: Mapped[dict] = mapped_column(JSON, default=dict)  # layout -> people
    equipment: Mapped[list] = mapped_column(JSON, default=list)
    opening_hours: Mapped[dict | None] = mapped_column(JSON)  # None: the site's hours
    setup_minutes: Mapped[int] = mapped_column(default=0)
    teardown_minutes: Mapped[int] = mapped_column(default=0)
    min_minutes: Mapped[int] = mapped_column(default=30)
    max_minutes: Mapped[int] = mapped_column(default=600)
    max_days_ahead: Mapped[int] = mapped_column(default=365)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    manual_checkin: Mapped[bool] = mapped_column(default=False)
    checkin_grace_minutes: Mapped[int] = mapped_column(default=15)
    # "book now" at its door display, for the venue's walk-in account
    walk_ins: Mapped[bool] = mapped_column(default=False)
    safety_limit: Mapped[int | None]  # people allowed in at once, whatever the layout
    rate_hour: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    rate_half_day: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    rate_day: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(String(1000), default="")
    # a picture under static/img/spaces/ and what it shows, for those who cannot see it
    photo: Mapped[str] = mapped_column(String(200), default="")
    photo_alt: Mapped[str] = mapped_column(String(300), default="")
    photo_alt_en: Mapped[str] = mapped_column(String(300), default="")
    # cancellation policy: free until this many days before the start, then this percent of the price
    cancel_free_days: Mapped[int] = mapped_column(default=0)
    cancel_fee_percent: Mapped[int] = mapped_column(default=0)

    site: Mapped[Site] = relationship(back_populates="spaces")

    @property
    def max_capacity(self) -> int:
        return max(self.capacities.values(), default=0)

    @property
    def hours(self) -> dict:
        return self.opening_hours or self.site.opening_hours


class Closure(db.Model):
    """Days a whole site, or one space, cannot be booked (holidays, works)."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # inclusive
    reason: Mapped[str] = mapped_column(String(200), default="")
