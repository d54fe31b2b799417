"""What a venue sells besides the room: catering, technicians, streaming, kits, and what a booking took."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db
from booking.models.sites import Site


class ServiceItem(db.Model):
    """One thing a site sells with its spaces, seeded from sites.toml like the spaces."""

    __tablename__ = "service_items"
    __table_args__ = (
        UniqueConstraint("site_id", "slug"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # catering, technician, streaming, kit
    per: Mapped[str] = mapped_column(String(20))  # what a quantity counts: person, hour, booking
    price_excl_vat: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    # kits only: how many exist, shared by the site's spaces; the bookings' row lock guards it
    stock: Mapped[int | None]
    spaces: Mapped[list] = mapped_column(JSON, default=list)  # slugs that may have it; [] = all
    active: Mapped[bool] = mapped_column(default=True)

    site: Mapped[Site] = relationship()

    def offered_in(self, space_slug: str) -> bool:
        return not self.spaces or space_slug in self.spaces


class BookingService(db.Model):
    """A service a booking carries, at the price and VAT rate of the day it was booked."""

    __tablename__ = "booking_services"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), index=True)
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(4, 3))

    booking = relationship("Booking", back_populates="services")
    item: Mapped[ServiceItem] = relationship(lazy="joined")
