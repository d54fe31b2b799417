"""One transaction boundary: a use case's unit of work commits when it ends and rolls back when it
raises, so a refused request leaves the database as it found it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import paris
from sqlalchemy import func, select

from booking.errors import Conflict
from booking.extensions import db
from booking.models import Booking, BookingEvent, Organisation
from booking.services import bookings
from booking.services.unit_of_work import after_commit, unit_of_work


def organisations() -> set[str]:
    db.session.rollback()  # read what is committed, not what this session holds
    return set(db.session.scalars(select(Organisation.slug)))


def test_a_unit_commits_its_work_when_it_ends(app):
    with unit_of_work() as session:
        session.add(Organisation(slug="acme", name="ACME"))
    assert "acme" in organisations()


def test_a_unit_that_raises_commits_nothing(app):
    with pytest.raises(Conflict), unit_of_work() as session:
        session.add(Organisation(slug="acme", name="ACME"))
        session.flush()
        raise Conflict("refused")
    assert "acme" not in organisations()


def test_a_unit_inside_another_joins_it_and_the_outer_one_decides(app):
    with pytest.raises(Conflict), unit_of_work() as session:
        acme = Organisation(slug="acme", name="ACME")
        with unit_of_work():
            session.add(acme)
        assert acme in session.new  # not committed (a commit flushes it first)
        raise Conflict("the outer use case refuses")
    assert "acme" not in organisations()


def test_after_commit_runs_once_committed_and_never_after_a_rollback(app):
    ran = []
    with unit_of_work():
        after_commit(lambda: ran.append(("committed", db.session().in_transaction())))
        assert ran == []
    with pytest.raises(Conflict), unit_of_work():
        after_commit(lambda: ran.append("rolled back"))
        raise Conflict("refused")
    assert ran == [("committed", False)]


def test_after_commit_needs_a_unit(app):
    with pytest.raises(RuntimeError):
        after_commit(lambda: None)


def test_confirming_a_lapsed_hold_is_refused_and_writes_nothing(app, customer, monday):
    request = bookings.BookingRequest("la-coque", "salle-frioul", paris(monday, 10), paris(monday, 12), "Maybe", 4)
    held = bookings.book(customer, request, hold=True)
    held.hold_expires_at = paris(monday, 8) - timedelta(days=30)
    db.session.commit()
    events = db.session.scalar(select(func.count()).select_from(BookingEvent))

    with pytest.raises(Conflict) as refused:
        bookings.transition(customer, held.id, "confirm")

    assert refused.value.code == "hold_expired"
    db.session.rollback()
    assert db.session.get(Booking, held.id).status == "hold"  # the scheduler's expire_holds records it
    assert db.session.scalar(select(func.count()).select_from(BookingEvent)) == events
    assert bookings.expire_holds() == 1
    assert db.session.get(Booking, held.id).status == "expired"
