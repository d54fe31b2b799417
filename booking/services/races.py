"""Use cases that lost a race the database noticed are run again, instead of failing with a 500.

Two writers changing one booking at once (a request and the scheduler expiring the same lapsed
hold, two staff cancelling together) make the later flush find a version it did not read:
``StaleDataError``. Concurrent inserts checked by one exclusion constraint can deadlock
(SQLSTATE 40P01): PostgreSQL aborts one of them. Neither is an outage; run again from a fresh
read, the use case gives the answer it would have given a moment later (often a clear 409).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt, wait_random

from booking.errors import Conflict
from booking.extensions import db
from booking.infra import dbtypes

log = logging.getLogger(__name__)

ATTEMPTS = 3
RACE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure

P = ParamSpec("P")
T = TypeVar("T")


def lost_race(exc: BaseException) -> bool:
    if isinstance(exc, StaleDataError):
        return True
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in RACE_SQLSTATES


def _start_again(state: RetryCallState) -> None:
    db.session.rollback()
    log.info("%s lost a race (%s); running it again", state.fn.__name__, type(state.outcome.exception()).__name__)


def _give_up(state: RetryCallState):
    db.session.rollback()
    raise Conflict("the booking was changed by someone else at the same moment; try again") from (
        state.outcome.exception()
    )


def retried_on_race(use_case: Callable[P, T]) -> Callable[P, T]:
    """Run ``use_case`` again (at most ATTEMPTS times) when it lost a race; a 409 if it keeps losing.

    Only when the use case owns its transaction: called inside another one that has written,
    rolling back would drop the caller's work, so the race goes up to the caller.
    """
    retrying = retry(
        retry=retry_if_exception(lost_race),
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_random(0.005, 0.05),  # apart, so the same two do not meet again at once
        before_sleep=_start_again,
        retry_error_callback=_give_up,
    )(use_case)

    @functools.wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if dbtypes.session_has_writes(db.session()):
            return use_case(*args, **kwargs)
        return retrying(*args, **kwargs)

    return run
