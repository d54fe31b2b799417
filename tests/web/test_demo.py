"""`onexp seed --demo` gives `make run` a calendar with something on it."""

from __future__ import annotations

from booking.extensions import db
from booking.models import Booking


def test_demo_seed_books_la_coque_once(runner):
    first = runner.invoke(args=["seed", "--demo"])
    assert "demo bookings at La Coque: 5 added" in first.output
    again = runner.invoke(args=["seed", "--demo"])
    assert "demo bookings at La Coque: 0 added" in again.output
    statuses = sorted(b.status for b in db.session.query(Booking))
    assert statuses == ["confirmed", "confirmed", "hold", "pending", "pending"]  # showroom and TV set need approval
