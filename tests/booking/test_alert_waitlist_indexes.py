"""The alerts' and waitlist's indexes for the scheduler (migration a9c3e5f7b1d2): a database holding
alerts and waiting entries upgrades and downgrades, and the watch and the sweep still find them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import next_weekday, paris
from old_schema import database_at
from sqlalchemy import inspect, text

from booking.extensions import db

BEFORE = "f8b2d4a6c0e3"


def indexes(table: str) -> set[str]:
    return {index["name"] for index in inspect(db.engine).get_indexes(table)}


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    """A database migrated up to the revision before."""
    with database_at(request, tmp_path, BEFORE, "onexp_alert_waitlist_indexes"):
        yield


def test_the_watch_and_the_sweep_find_what_they_did_before_and_after_the_migration(old_database):
    from flask_migrate import downgrade, upgrade

    from booking.models import Alert, Space, WaitlistEntry
    from booking.services import accounts, alerts, bookings, catalog, waitlist

    accounts.ensure_organisation("acme")
    customer = accounts.create_user("booker@acme.example", organisation="acme", password="correct horse battery")
    monday = next_weekday(0)
    request = bookings.BookingRequest("la-coque", "salle-calanques", paris(monday, 10), paris(monday, 12), "T", 4)
    bookings.book(customer, request, now=paris(monday, 7))
    entry = waitlist.join(customer, request, now=paris(monday, 7)).id
    space = catalog.get_space("la-coque", "salle-calanques")
    space_id = space.id
    alert = alerts.raise_alert("in_use_without_booking", space, now=paris(monday, 8))[0].id
    db.session.remove()
    assert "ix_alerts_space_id" in indexes("alerts")

    upgrade()

    assert "ix_alerts_space_status" in indexes("alerts") and "ix_alerts_space_id" not in indexes("alerts")
    assert "ix_waitlist_status_start" in indexes("waitlist_entries")
    space = db.session.get(Space, space_id)
    assert alerts.resolve_cleared(space, {"in_use_without_booking"}, set(), now=paris(monday, 9)) == 1
    db.session.commit()
    assert db.session.get(Alert, alert).status == "resolved"
    assert waitlist.sweep(paris(monday, 10) + timedelta(minutes=1))["lapsed"] == 1
    assert db.session.get(WaitlistEntry, entry).status == "lapsed"
    db.session.remove()

    downgrade(revision=BEFORE)

    assert "ix_alerts_space_id" in indexes("alerts") and "ix_alerts_space_status" not in indexes("alerts")
    assert "ix_waitlist_status_start" not in indexes("waitlist_entries")
    assert db.session.scalar(text("SELECT count(*) FROM alerts")) == 1
    assert db.session.scalar(text("SELECT count(*) FROM waitlist_entries")) == 1
    db.session.remove()
    upgrade()
    assert "ix_alerts_space_status" in indexes("alerts")
