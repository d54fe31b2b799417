"""The one transaction boundary of the use cases.

A use case does its work inside ``with unit_of_work():``. When the block ends, the unit commits;
when it raises (a refusal, a lost race, a bug), it rolls back, so a refused request leaves the
database as it found it: nothing is committed and then refused. Services never call
``commit()`` or ``rollback()`` themselves.

A use case called by another one (a waitlist offer books a hold) joins the caller's unit: only the
outermost one commits or rolls back, so the two succeed or fail together. What must happen only
once the change is committed (a freed slot offered to the waitlist) goes in ``after_commit``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from booking.extensions import db
from booking.infra import dbtypes

_OPEN = "onexp.unit_of_work"  # session.info key: the callbacks of the unit open on this session


@contextmanager
def unit_of_work(*, keep_loaded: bool = False) -> Iterator[Session]:
    """Commit the block's work when it ends, roll it back when it raises; join a unit already open.

    ``keep_loaded``: the objects loaded or written stay loaded after the commit (the caller shows
    them back at once; reloading each would double the round trips).
    """
    session = db.session()
    if _OPEN in session.info:  # the caller's unit decides
        yield session
        return
    callbacks: list[Callable[[], None]] = []
    session.info[_OPEN] = callbacks
    try:
        yield session
        if keep_loaded:
            dbtypes.commit_keeping_loaded(session)
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_OPEN, None)
    for callback in callbacks:
        callback()


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the open unit of work has committed (never if it rolls back)."""
    session = db.session()
    if _OPEN not in session.info:
        raise RuntimeError("after_commit() outside a unit of work")
    session.info[_OPEN].append(callback)
