"""A use case that lost a race to another writer runs again from a fresh read; a 409 if it keeps losing."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from booking.errors import Conflict
from booking.extensions import db
from booking.services.races import ATTEMPTS, retried_on_race


class Deadlock(Exception):
    sqlstate = "40P01"


class Outage(Exception):
    sqlstate = "08006"  # connection failure: not a race, the database is away


def losing(times: int, exc: Exception):
    """A use case that loses its first ``times`` races with ``exc``, then answers how many runs it took."""
    runs = []

    @retried_on_race
    def use_case() -> int:
        runs.append(1)
        if len(runs) <= times:
            raise exc
        return len(runs)

    return use_case


@pytest.mark.parametrize(
    "exc", [StaleDataError("version 3 expected, found 4"), OperationalError("INSERT", {}, Deadlock())], ids=str
)
def test_a_lost_race_runs_the_use_case_again(app, exc):
    assert losing(1, exc)() == 2


def test_a_use_case_that_keeps_losing_is_a_409(app):
    with pytest.raises(Conflict, match="at the same moment"):
        losing(ATTEMPTS, StaleDataError("again"))()


def test_an_outage_is_not_a_race(app):
    with pytest.raises(OperationalError):
        losing(1, OperationalError("INSERT", {}, Outage()))()


def test_inside_a_transaction_that_has_written_the_race_goes_up_to_the_caller(app, make_org):
    make_org("caller-work").share_titles = True  # a change of the caller's, not flushed yet
    with pytest.raises(StaleDataError):
        losing(1, StaleDataError("lost"))()
    assert db.session.dirty  # nothing of the caller's was rolled back
