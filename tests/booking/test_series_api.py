"""Series through the API: the 409 when no date is free, and rules refused cheaply, before any lock."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta

import psycopg
import pytest
from clock import iso, paris
from sqlalchemy.engine import make_url

from booking import recurrence
from booking.extensions import db

NEVER = "FREQ=DAILY;UNTIL=20991231T000000;BYMONTH=2;BYMONTHDAY=30"  # the 30th of February


@pytest.fixture
def book_series(client, auth, customer, monday):
    """``book_series(rrule, **fields)`` posts a series as ``customer`` (Salle Calanques, Mondays 10-11)."""
    headers = auth(customer)

    def post(rrule: str, **fields):
        body = {
            "site": "la-coque", "space": "salle-calanques", "title": "Point hebdo", "attendees": 4,
            "start": iso(paris(monday, 10)), "end": iso(paris(monday, 11)), "rrule": rrule,
        } | fields  # fmt: skip
        return client.post("/api/v1/bookings", json=body, headers=headers)

    return post


def test_when_no_date_is_free_the_409_says_no_date_of_the_series_can_be_booked(book_series, monday):
    assert book_series("FREQ=WEEKLY;COUNT=2").status_code == 201
    response = book_series("FREQ=WEEKLY;COUNT=2", conflicts="skip")
    assert response.status_code == 409
    assert response.json["detail"] == "no date of the series can be booked"
    assert [c["date"] for c in response.json["conflicts"]] == [monday.isoformat(), (monday + timedelta(7)).isoformat()]


def test_some_taken_dates_are_counted_in_the_409(book_series, monday):
    book_series("FREQ=WEEKLY;COUNT=1")
    response = book_series("FREQ=WEEKLY;COUNT=3")
    assert response.status_code == 409
    assert response.json["detail"] == "1 date(s) of the series cannot be booked"


@pytest.mark.parametrize("freq", ["HOURLY", "MINUTELY", "SECONDLY"])
def test_a_rule_finer_than_daily_is_a_422_naming_the_rrule(book_series, freq):
    response = book_series(f"FREQ={freq};UNTIL=20271231T000000;BYMONTH=2;BYMONTHDAY=30")
    assert response.status_code == 422
    assert [p["field"] for p in response.json["errors"]] == ["rrule"]
    assert f"FREQ={freq} repeats within a day" in response.json["errors"][0]["message"]


def test_a_rule_whose_dates_never_come_looks_no_further_than_the_booking_horizon(book_series, monkeypatch):
    looked_at = []
    kept = recurrence._kept
    monkeypatch.setattr(recurrence, "_kept", lambda *args: looked_at.append(args[1]) or kept(*args))
    response = book_series(NEVER)
    assert response.status_code == 422
    assert "the series has no date before" in response.json["errors"][0]["message"]
    assert len(looked_at) <= 366  # Salle Calanques is booked up to 365 days ahead


def test_an_until_past_the_horizon_books_up_to_the_horizon(book_series, utcnow):
    response = book_series("FREQ=WEEKLY;UNTIL=20991231T000000Z")
    assert response.status_code == 201, response.json
    last = datetime.fromisoformat(response.json["series"]["occurrences"][-1]["start"])
    horizon = utcnow + timedelta(days=365)  # Salle Calanques is booked up to 365 days ahead
    assert last <= horizon < last + timedelta(weeks=1)


@pytest.fixture
def writer_holding_the_lock(database_url, backend):
    """Another transaction that holds what a booking would have to wait for: SQLite's write lock, the bookings table."""
    db.session.remove()  # the test's own session lets go first
    url = make_url(database_url)
    if backend == "sqlite":
        other = sqlite3.connect(url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
    else:
        other = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        other.execute("LOCK TABLE bookings IN ACCESS EXCLUSIVE MODE")
    yield
    other.rollback() if backend == "postgresql" else other.execute("ROLLBACK")
    other.close()


def test_a_refused_rule_is_answered_while_another_writer_holds_the_lock(book_series, request):
    book_series(NEVER)  # who the token is and what the space is: now in the process's caches
    request.getfixturevalue("writer_holding_the_lock")
    answered = []
    thread = threading.Thread(target=lambda: answered.append(book_series(NEVER).status_code), daemon=True)
    thread.start()
    thread.join(timeout=20)  # a request that waited for the lock would still be waiting
    assert answered == [422]
