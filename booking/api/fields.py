"""Marshmallow fields for the edges: aware times in, local times out, money as strings."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from marshmallow import fields

NAIVE_MESSAGE = "must include a UTC offset, e.g. 2026-11-26T10:00:00+01:00"

# Every date the API reads lies in these years. Python's dates end at 9999-12-31 and begin at
# 0001-01-01, so a time near either end overflowed as soon as it was widened by a buffer or moved
# to another zone (500s); nothing the venues do needs dates that far. Checked on the date as
# written, before any arithmetic: the check itself cannot overflow.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2199, 12, 31)
OUT_OF_RANGE_MESSAGE = f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
BOUNDS_NOTE = f"from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


def _within_bounds(field: fields.Field, day: date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise field.make_error("out_of_range")


def _noted(kwargs: dict) -> dict:
    """The bounds, said in the OpenAPI description of the field."""
    metadata = dict(kwargs.pop("metadata", None) or {})
    described = metadata.get("description")
    metadata["description"] = f"{described} ({BOUNDS_NOTE})" if described else BOUNDS_NOTE.capitalize()
    return {**kwargs, "metadata": metadata}


class AwareDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset, in the years the API knows; a naive time is refused rather than guessed."""

    default_error_messages = {
        "invalid": "not an ISO 8601 date-time such as 2026-11-26T10:00:00+01:00",
        "invalid_awareness": NAIVE_MESSAGE,
        "out_of_range": OUT_OF_RANGE_MESSAGE,
    }

    def __init__(self, **kwargs):
        super().__init__(format="iso", **(kwargs if kwargs.get("dump_only") else _noted(kwargs)))

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        _within_bounds(self, moment.date())
        return moment


class Day(fields.Date):
    """An ISO 8601 calendar day (2026-11-23), in the years the API knows."""

    default_error_messages = {
        "invalid": "not an ISO 8601 date such as 2026-11-23",
        "out_of_range": OUT_OF_RANGE_MESSAGE,
    }

    def __init__(self, **kwargs):
        super().__init__(**_noted(kwargs))

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        _within_bounds(self, day)
        return day


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


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` in JSON, nothing else: marshmallow's Boolean takes ``"yes"``, ``0`` or
    ``"off"``, so a client's typo or a wrong type silently became a choice it did not make."""

    default_error_messages = {"invalid": "must be true or false (a JSON boolean)"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value
