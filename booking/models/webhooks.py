"""Webhook endpoints, the outbox of events, and one delivery per event and endpoint."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.clock import utcnow
from booking.extensions import db
from booking.infra.dbtypes import UTCDateTime
from booking.models.accounts import Organisation, User


class WebhookEndpoint(db.Model):
    """A URL a company (its own events) or the venue staff (every event) asked us to call."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)  # None: staff
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    url: Mapped[str] = mapped_column(String(2000))
    # kept in clear: signing needs it; shown to its owner once, at creation
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list] = mapped_column(JSON, default=list)  # ["booking.*", "alert.raised"]
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class OutboxEvent(db.Model):
    """Something that happened, written in the same transaction as the change itself."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)  # the receivers' idempotency key
    kind: Mapped[str] = mapped_column(String(60))  # "booking.cancelled", "alert.raised"...
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # whose it is
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # set once the event was fanned out into deliveries
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # set once the event was turned into the e-mails it calls for (booking.mail), if any
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[OutboxEvent] = relationship()
    endpoint: Mapped[WebhookEndpoint] = relationship()
