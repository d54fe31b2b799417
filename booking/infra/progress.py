"""How far a long job has got, for whoever is watching (`onexp jobs run` draws a bar).

A job calls ``advance(n, total=...)`` as it works; nothing is shown unless a caller set a
watcher with ``watching``. The scheduler sets none, so its jobs pay one lookup per step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# (steps just done, total steps or None when unknown)
Watcher = Callable[[int, int | None], None]
_watcher: ContextVar[Watcher | None] = ContextVar("progress_watcher", default=None)


@contextmanager
def watching(watcher: Watcher) -> Iterator[None]:
    token = _watcher.set(watcher)
    try:
        yield
    finally:
        _watcher.reset(token)


def advance(steps: int = 1, *, total: int | None = None) -> None:
    watcher = _watcher.get()
    if watcher is not None:
        watcher(steps, total)
