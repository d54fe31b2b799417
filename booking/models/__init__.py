"""SQLAlchemy models, one module per concept; imported here so Alembic sees them all."""

from booking.models.accounts import ApiToken, Organisation, Role, User
from booking.models.bookings import ACTIVE_STATUSES, Booking, BookingEvent, BookingGroup, Status
from booking.models.feeds import FeedScope, FeedToken
from booking.models.logins import LoginFailure
from booking.models.sites import Closure, Site, Space

__all__ = [
    "ACTIVE_STATUSES",
    "ApiToken",
    "Booking",
    "BookingEvent",
    "BookingGroup",
    "Closure",
    "FeedScope",
    "FeedToken",
    "LoginFailure",
    "Organisation",
    "Role",
    "Site",
    "Space",
    "Status",
    "User",
]
