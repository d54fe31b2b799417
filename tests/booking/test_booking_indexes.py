"""The bookings' indexes by use (migration f8b2d4a6c0e3): a database holding bookings upgrades and
downgrades, and the use cases that looked bookings up by status still find them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import next_weekday, paris
from old_schema import database_at
from sqlalchemy import inspect, text

from booking.extensions import db

BEFORE = "e2c4a6b8d0f1"
OLD_INDEXES = {"ix_bookings_group_id", "ix_bookings_org_start", "ix_bookings_space_block", "ix_bookings_status"}
NEW_INDEXES = {"ix_bookings_group_id", "ix_bookings_org_start", "ix_bookings_space_block",
               "ix_bookings_hold_expiry", "ix_bookings_pending_start"}  # fmt: skip


def indexes() -> set[str]:
    """The bookings' plain indexes (on PostgreSQL the exclusion constraint has one too)."""
    return {index["name"] for index in inspect(db.engine).get_indexes("bookings")} - {"bookings_no_overlap"}


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    """A database migrated up to the revision before, and its backend's name."""
    with database_at(request, tmp_path, BEFORE, "onexp_booking_indexes"):
        yield request.param


def test_the_migration_keeps_the_bookings_and_finds_holds_and_requests_without_a_status_index(old_database):
    from flask_migrate import downgrade, upgrade

    from booking.models import User
    from booking.rules import Status
    from booking.services import accounts, bookings

    accounts.ensure_organisation("acme")
    customer = accounts.create_user("booker@acme.example", organisation="acme", password="correct horse battery")
    staff = accounts.create_user("staff@onexperience.example", role="staff", password="correct horse battery").id
    monday = next_weekday(0)

    def book(space: str, start: int, end: int, **kwargs):
        request = bookings.BookingRequest("la-coque", space, paris(monday, start), paris(monday, end), "Kick-off", 4)
        return bookings.book(customer, request, **kwargs).id

    confirmed, held = book("salle-calanques", 10, 12), book("salle-frioul", 10, 12, hold=True)
    pending = book("showroom", 14, 17)  # the showroom needs staff approval
    db.session.remove()
    assert indexes() == OLD_INDEXES

    upgrade()

    new_indexes = NEW_INDEXES | ({"ix_bookings_start"} if old_database == "postgresql" else set())  # a BRIN one
    assert indexes() == new_indexes
    if old_database == "postgresql":  # the double-booking guarantee is untouched
        names = db.session.scalars(text("SELECT conname FROM pg_constraint WHERE conrelid = 'bookings'::regclass"))
        assert "bookings_no_overlap" in set(names)
    waiting = bookings.list_bookings(db.session.get(User, staff), status=Status.PENDING, start=paris(monday, 0))
    assert [b.id for b in waiting] == [pending]
    assert bookings.expire_holds(paris(monday, 0) + timedelta(days=1)) == 1
    assert db.session.scalar(text("SELECT status FROM bookings WHERE id = :id"), {"id": held}) == Status.EXPIRED
    db.session.remove()

    downgrade(revision=BEFORE)

    assert indexes() == OLD_INDEXES
    assert db.session.scalar(text("SELECT count(*) FROM bookings WHERE id IN (:a, :b, :c)"),
                             {"a": confirmed, "b": held, "c": pending}) == 3  # fmt: skip
    db.session.remove()
    upgrade()
    assert indexes() == new_indexes
