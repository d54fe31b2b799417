"""The one clock the service reads: now, in UTC. The pure rules never read it; callers pass ``now``."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
