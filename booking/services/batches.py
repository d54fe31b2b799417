"""Deleting aged rows a bounded batch at a time, each batch its own short transaction.

Whoever else writes (the ingest worker, SQLite's one writer; a booking's outbox event on
PostgreSQL) slips in between two batches instead of waiting behind one long delete.
"""

from __future__ import annotations

from collections.abc import Callable

from booking.infra import progress
from booking.services.unit_of_work import unit_of_work

DELETE_BATCH = 5000


def in_batches(delete_one: Callable[[], int]) -> int:
    """Call ``delete_one`` (one batch, returns how many rows went) until a batch finds nothing."""
    total = 0
    while True:
        with unit_of_work():
            done = delete_one()
        total += done
        progress.advance(done)
        if not done:
            return total
