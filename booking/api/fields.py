"""Marshmallow fields for the edges: aware times in, local times out, money as strings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from marshmallow import fields

NAIVE_MESSAGE = "must include a UTC offset, e.g. 2026-11-26T10:00:00+01:00"


class AwareDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset; a naive time is refused rather than guessed."""

    default_error_messages = {
        "invalid": "not an ISO 8601 date-time such as 2026-11-26T10:00:00+01:00",
        "invalid_awareness": NAIVE_MESSAGE,
    }

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)


def local_iso(value: datetime | None, timezone: str) -> str | None:
    """A UTC time shown in the site's time zone, with its offset."""
    return value.astimezone(ZoneInfo(timezone)).isoformat() if value else None


class SiteTime(fields.DateTime):
    """A UTC time of something in a space (a booking, an alert...), shown in the site's time zone.

    The object's ``space.site`` gives the zone; documented as an ISO 8601 date-time.
    """

    def __init__(self, attribute: str, **kwargs):
        super().__init__(attribute=attribute, dump_only=True, allow_none=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return local_iso(value, obj.space.site.timezone)


class Money(fields.Decimal):
    def __init__(self, **kwargs):
        super().__init__(places=2, as_string=True, **kwargs)
