"""Demo companies and users for ``make run``: never loaded in production."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from booking.errors import Conflict, DomainError
from booking.extensions import db
from booking.models import Booking, Role
from booking.services import accounts

DEMO_PASSWORD = "onexperience-demo"
DEMO_USERS = (
    ("staff@onexperience.example", Role.ADMIN, None),
    ("alice@provence-robotics.example", Role.CUSTOMER, "provence-robotics"),
    ("bob@paris-fintech.example", Role.CUSTOMER, "paris-fintech"),
)


def seed_demo_accounts() -> list[str]:
    """Create the demo users if missing; return lines saying how to sign in."""
    lines = []
    for email, role, organisation in DEMO_USERS:
        if organisation:
            accounts.ensure_organisation(organisation)
        with contextlib.suppress(Conflict):  # already there from an earlier run
            accounts.create_user(email, role=role, organisation=organisation, password=DEMO_PASSWORD)
        lines.append(f"demo {role}: {email} / {DEMO_PASSWORD}")
    return lines


# (company, space at La Coque, days from today, start hour, end hour, title, attendees, hold)
DEMO_BOOKINGS = (
    ("provence-robotics", "salle-calanques", 1, 9, 11, "Comité de pilotage", 10, False),
    ("paris-fintech", "showroom", 1, 14, 18, "Lancement produit", 150, False),  # pending: needs approval
    ("provence-robotics", "studio-webinar", 1, 10, 12, "Webinar robotique", 3, True),
    ("paris-fintech", "salle-frioul", 2, 9, 10, "Point d'équipe", 6, False),
    ("provence-robotics", "plateau-tv", 3, 14, 16, "Interview TV", 8, False),  # pending too
)


def seed_demo_bookings(now: datetime | None = None) -> int:
    """A few bookings at La Coque in the coming days, so the calendars have something to show.

    Skipped once any demo company has a booking: running the seed again adds nothing.
    """
    from booking.services import bookings

    now = now or datetime.now(UTC)
    tz = ZoneInfo("Europe/Paris")
    customers = {org: accounts.get_user(email) for email, _role, org in DEMO_USERS if org}
    if db.session.scalar(select(func.count(Booking.id)).where(Booking.organisation_id.in_(
        [user.organisation_id for user in customers.values()]
    ))):  # fmt: skip
        return 0
    made = 0
    for org, space, days, start, end, title, attendees, hold in DEMO_BOOKINGS:
        day = now.astimezone(tz).date() + timedelta(days=days)
        while day.weekday() >= 5:  # La Coque is closed on Sundays and short on Saturdays
            day += timedelta(days=1)
        req = bookings.BookingRequest(
            "la-coque", space, datetime.combine(day, time(start), tz), datetime.combine(day, time(end), tz),
            title, attendees,
        )  # fmt: skip
        with contextlib.suppress(DomainError):  # a closure or a taken slot: skip that one
            bookings.book(customers[org], req, hold=hold, now=now)
            made += 1
    return made
