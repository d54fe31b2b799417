"""'Today' with nothing left to happen today (at night, or a quiet day) shows the next day's first bookings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest


def next_open_weekday() -> date:
    """The first day after today that La Coque opens on and that is no holiday."""
    day = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=1)
    while day.weekday() > 4 or (day.month, day.day) in ((12, 25), (1, 1)):
        day += timedelta(days=1)
    return day


@pytest.fixture
def staff_in(client, sign_in, staff):
    sign_in(staff)
    return staff


def test_with_nothing_left_today_the_next_days_first_bookings_show(client, staff_in, customer, make_booking):
    day = next_open_weekday()
    make_booking(customer, "salle-calanques", 9, 10, day=day, title="Petit-déjeuner client")
    page = client.get("/staff/").get_data(as_text=True)
    assert "Rien d’autre aujourd’hui" in page
    assert "Petit-déjeuner client" in page


def test_a_day_further_than_a_week_is_not_brought_forward(client, staff_in, customer, make_booking):
    make_booking(customer, "salle-calanques", 9, 10, day=next_open_weekday() + timedelta(weeks=1), title="Plus tard")
    page = client.get("/staff/").get_data(as_text=True)
    assert "Plus tard" not in page
    assert "Rien d’autre aujourd’hui" not in page
