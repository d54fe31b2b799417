"""Demo companies and users for ``make run``: never loaded in production."""

from __future__ import annotations

import contextlib

from booking.errors import Conflict
from booking.models import Role
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
