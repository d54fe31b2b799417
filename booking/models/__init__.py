"""SQLAlchemy models, one module per concept; imported here so Alembic sees them all."""

from booking.models.accounts import (
    AccountLink,
    ApiToken,
    CompanyStatus,
    LinkPurpose,
    Organisation,
    Role,
    SignupAttempt,
    User,
)
from booking.models.alerts import OPEN_ALERT_STATUSES, Alert, AlertKind, AlertStatus
from booking.models.bookings import Booking, BookingEvent, BookingGroup
from booking.models.displays import DisplayToken
from booking.models.extras import BookingService, ServiceItem
from booking.models.feeds import FeedScope, FeedToken
from booking.models.logins import LoginFailure, LoginSession
from booking.models.mail import MailMessage, MailStatus
from booking.models.scheduling import SchedulerLease, UtilizationDay
from booking.models.sensors import (
    IngestRejection,
    OccupancyReading,
    OccupancyRollup,
    OccupancyRollupDay,
    ReadingsHorizon,
    Sensor,
    SpaceOccupancy,
)
from booking.models.sites import Closure, Site, Space
from booking.models.waitlist import WaitlistEntry, WaitStatus
from booking.models.webhooks import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookEndpoint
from booking.rules import ACTIVE_STATUSES, Status

__all__ = [
    "AccountLink",
    "CompanyStatus",
    "LinkPurpose",
    "SignupAttempt",
    "ACTIVE_STATUSES",
    "OPEN_ALERT_STATUSES",
    "Alert",
    "AlertKind",
    "AlertStatus",
    "DeliveryStatus",
    "DisplayToken",
    "OutboxEvent",
    "SchedulerLease",
    "UtilizationDay",
    "WaitStatus",
    "WaitlistEntry",
    "WebhookDelivery",
    "WebhookEndpoint",
    "ApiToken",
    "Booking",
    "BookingEvent",
    "BookingGroup",
    "BookingService",
    "ServiceItem",
    "Closure",
    "IngestRejection",
    "OccupancyReading",
    "OccupancyRollup",
    "OccupancyRollupDay",
    "ReadingsHorizon",
    "FeedScope",
    "FeedToken",
    "LoginFailure",
    "LoginSession",
    "MailMessage",
    "MailStatus",
    "Organisation",
    "Role",
    "Sensor",
    "Site",
    "Space",
    "SpaceOccupancy",
    "Status",
    "User",
]
