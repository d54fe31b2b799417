"""Marshmallow fields for the edges: aware times in, local times out, money as strings."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from marshmallow import fields, validate

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
    """The bounds, said in the OpenAPI description of the field.

    Not as a pattern: beside ``format: date-time`` one made generators (schemathesis) give up on
    most bodies that hold a date, so its stateful phase never made a booking."""
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


MONEY_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"


class Money(fields.Decimal):
    """An amount in euros as a decimal string ("120.00"): exact, unlike a JSON number."""

    def __init__(self, **kwargs):
        metadata = {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "120.00"}
        super().__init__(places=2, as_string=True, metadata=metadata | kwargs.pop("metadata", {}), **kwargs)


def _breaks_a_line(character: str) -> bool:
    """A control character (CR, LF, tab, escape...) or a Unicode line or paragraph separator."""
    return unicodedata.category(character) in ("Cc", "Zl", "Zp")


class Line(fields.String):
    """Free text on one line (a title, a name): no CR, LF or other control character.

    Such text goes into calendar files, mail headers and CSV cells, where a line break starts a new
    property, header or row; refused at the edge with a 422 naming the field rather than escaped
    in every place it goes. Rows stored before this rule still export safely (booking/ical.py).
    """

    default_error_messages = {"control": "must be one line, without control characters (CR, LF, tab...)"}
    ALLOWED = ""
    PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"  # the same rule, said in the document

    def __init__(self, *, max: int, min: int = 0, **kwargs):  # noqa: A002  (the limit's name)
        metadata = {"pattern": self.PATTERN} | kwargs.pop("metadata", {})
        super().__init__(validate=validate.Length(min=min, max=max), metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if any(_breaks_a_line(c) and c not in self.ALLOWED for c in text):
            raise self.make_error("control")
        return text


class Paragraphs(Line):
    """Free text over several lines (notes, a reason): LF between lines, no other control character."""

    default_error_messages = {"control": "may break lines with LF only: no CR, tab or other control character"}
    ALLOWED = "\n"
    PATTERN = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]*$"


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` in JSON, nothing else: marshmallow's Boolean takes ``"yes"``, ``0`` or
    ``"off"``, so a client's typo or a wrong type silently became a choice it did not make."""

    default_error_messages = {"invalid": "must be true or false (a JSON boolean)"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value
