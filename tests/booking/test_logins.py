"""Sign-in failures slow further attempts down, growing, and never lock anyone out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pagekit import PASSWORD
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import LoginFailure
from booking.services import logins
from booking.services.logins import Throttled, delay_after

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HERE = "203.0.113.7"
SECONDS = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("failures", "wait"),
    [
        (0, 0),
        (4, 0),  # below the free failures: no wait
        (5, 2),  # the fifth failure: the first wait
        (6, 4),  # then doubling with each failure
        (9, 32),
        (15, 900),  # never longer than the window (15 min), when failures are forgotten anyway
        (10_000, 900),
    ],
)
def test_the_wait_grows_with_the_failures(failures, wait):
    assert delay_after(failures, free=5, first=2 * SECONDS, longest=900 * SECONDS) == wait * SECONDS


def fail(user, times: int, at: datetime = T0, address: str = HERE):
    for _ in range(times):
        assert logins.sign_in(user.email, "not the password", address, now=at) is None


@pytest.mark.parametrize("role", ["customer", "staff", "admin"])
def test_five_failures_lock_nobody_out_the_right_password_works_seconds_later(app, make_user, role):
    user = make_user(role, org="acme" if role == "customer" else None)
    fail(user, 5)
    assert logins.sign_in(user.email, PASSWORD, HERE, now=T0 + 2 * SECONDS) == user


def test_the_first_failures_cost_no_wait(app, customer):
    fail(customer, 4)
    assert logins.sign_in(customer.email, PASSWORD, HERE, now=T0) == customer


def test_while_the_wait_runs_even_the_right_password_is_asked_to_wait(app, customer):
    fail(customer, 5)
    answer = logins.sign_in(customer.email, PASSWORD, HERE, now=T0 + SECONDS)
    assert answer == Throttled(SECONDS)


def test_each_further_failure_doubles_the_wait(app, customer):
    fail(customer, 5)
    moment, waits = T0, []
    for _ in range(4):
        throttled = logins.sign_in(customer.email, "guess", HERE, now=moment)
        waits.append(throttled.seconds)
        moment += throttled.retry_after
        assert logins.sign_in(customer.email, "guess", HERE, now=moment) is None
    assert waits == [2, 4, 8, 16]


def test_an_attempt_made_while_waiting_is_not_counted(app, customer):
    fail(customer, 5)
    for _ in range(10):
        assert isinstance(logins.sign_in(customer.email, "guess", HERE, now=T0 + SECONDS), Throttled)
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 5


def test_failures_older_than_the_window_are_forgotten(app, customer):
    db.session.add_all(LoginFailure(email=customer.email, address=HERE, at=T0) for _ in range(20))
    db.session.commit()
    assert logins.sign_in(customer.email, PASSWORD, HERE, now=T0 + 10 * SECONDS) == Throttled(890 * SECONDS)
    later = T0 + timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"], seconds=1)
    assert logins.sign_in(customer.email, PASSWORD, HERE, now=later) == customer


def test_one_address_trying_many_mailboxes_waits_after_four_times_the_free_failures(app, make_user):
    people = [make_user("customer", org="acme") for _ in range(5)]
    for person in people[:4]:
        fail(person, 5, address=HERE)
    fifth = people[4]  # who never failed, but from the same address
    assert isinstance(logins.sign_in(fifth.email, PASSWORD, HERE, now=T0 + SECONDS), Throttled)
    assert logins.sign_in(fifth.email, PASSWORD, "198.51.100.1", now=T0 + SECONDS) == fifth  # elsewhere: in


def test_the_wait_is_shared_by_every_worker_through_the_database(app, customer):
    fail(customer, 5)
    email = customer.email
    db.session.remove()  # another worker: nothing in this process remembers the failures
    assert isinstance(logins.sign_in(email, PASSWORD, HERE, now=T0 + SECONDS), Throttled)
