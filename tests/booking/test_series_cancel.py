"""Cancelling a series cancels its dates still to come in one go, each in its audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import paris

from booking.errors import Conflict
from booking.models import Status
from booking.services import bookings, series
from booking.services.bookings import BookingRequest


@pytest.fixture
def weekly(customer, monday):
    req = BookingRequest("la-coque", "salle-calanques", paris(monday, 8), paris(monday, 9), "Petit-déjeuner", 6)
    return bookings.book_series(customer, req, "FREQ=WEEKLY;COUNT=3", skip_conflicts=True)


def test_every_date_still_to_come_is_cancelled_and_recorded(customer, weekly):
    cancelled = series.cancel_series(customer, weekly.group.id)
    assert {b.id for b in cancelled} == {b.id for b in weekly.bookings}
    for booking in weekly.bookings:
        assert booking.status == Status.CANCELLED
        assert booking.events[-1].action == "cancel" and booking.events[-1].actor_id == customer.id


def test_dates_that_took_place_stay_as_they_were(customer, weekly):
    first, *rest = weekly.bookings
    cancelled = series.cancel_series(customer, weekly.group.id, now=first.end_at + timedelta(minutes=1))
    assert [b.id for b in cancelled] == [b.id for b in rest]
    assert first.status == Status.CONFIRMED


def test_a_series_with_nothing_left_to_come_is_a_conflict(customer, weekly):
    series.cancel_series(customer, weekly.group.id)
    with pytest.raises(Conflict) as refused:
        series.cancel_series(customer, weekly.group.id)
    assert refused.value.code == "series_over"
