"""Short-lived per-process caches of what rarely changes: the catalogue and who a token is.

Each worker process keeps its own copy, so a change made elsewhere (another worker, the
CLI, a seed run) takes effect here within the cache's TTL; a change flushed by this
process's own sessions clears the cache at once. Entries are detached copies: a request
``merge(load=False)``s one into its own session, which costs no SQL and shares no object
between threads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from itertools import chain
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

T = TypeVar("T")


class TTLCache:
    """key -> value for ``seconds``; thread-safe enough for CPython dict operations."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[Hashable, tuple[float, object]] = {}

    def get(self, key: Hashable) -> object | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: Hashable, value: object) -> None:
        if self.seconds > 0:
            self._entries[key] = (time.monotonic() + self.seconds, value)

    def clear(self) -> None:
        self._entries.clear()


# cache name -> (setting with its TTL, the model names whose changes clear it)
CACHES = {
    "catalog": ("CATALOG_CACHE_SECONDS", {"Site", "Space", "Closure"}),
    "tokens": ("TOKEN_CACHE_SECONDS", {"ApiToken", "User", "Organisation"}),
}


def cache(name: str) -> TTLCache:
    """The current app's cache ``name`` (per app: tests build many apps in one process)."""
    caches = current_app.extensions.setdefault("onexp.caches", {})
    if name not in caches:
        caches[name] = TTLCache(float(current_app.config[CACHES[name][0]]))
    return caches[name]


def detached_copy(obj: T, *relationships: str) -> T:
    """A detached, fully loaded copy of ``obj`` (and of its loaded ``relationships``), for any session."""
    mapper = inspect(obj).mapper
    copy = mapper.class_manager.new_instance()
    # committed values: no history and no backref events, so the copy stays clean
    for attr in mapper.column_attrs:
        set_committed_value(copy, attr.key, getattr(obj, attr.key))
    for path in relationships:
        name, _, rest = path.partition(".")
        related = getattr(obj, name)
        set_committed_value(copy, name, detached_copy(related, *filter(None, [rest])) if related is not None else None)
    make_transient_to_detached(copy)  # as if freshly loaded: clean, with its identity key
    return copy


def cached(name: str, key: Hashable, load: Callable[[], T | None], *relationships: str) -> T | None:
    """The object cached under ``key``, merged into this session; ``load()`` on a miss (misses are not kept)."""
    from booking.extensions import db

    store = cache(name)
    snapshot = store.get(key)
    if snapshot is None:
        found = load()
        if found is not None:
            store.put(key, detached_copy(found, *relationships))
        return found
    return db.session.merge(snapshot, load=False)


def _clear_touched(session: Session, _context) -> None:
    """After a flush: clear the caches whose models this process just changed."""
    if not has_app_context():
        return
    touched = {type(obj).__name__ for obj in chain(session.new, session.dirty, session.deleted)}
    caches = current_app.extensions.get("onexp.caches", {})
    for name, (_setting, models) in CACHES.items():
        if name in caches and touched & models:
            caches[name].clear()


def init_app(_app) -> None:
    """Listen to the sessions' flushes (once per process)."""
    if not event.contains(Session, "after_flush", _clear_touched):
        event.listen(Session, "after_flush", _clear_touched)
