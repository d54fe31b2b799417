"""Shared checks for payload adapters: decoding bytes, reading fields, numbers and times."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sensors.formats.reading import (
    MAX_AGE,
    MAX_CLOCK_SKEW,
    MAX_COUNT,
    MAX_PAYLOAD_BYTES,
    MAX_SERIAL_LENGTH,
    PayloadRejected,
    Reading,
)

Adapter = Callable[..., Reading]

# Marks a key sent twice (in any letter case) with different values: reading it is an error,
# but an unused duplicate (Milesight's `max_counted`/`Max_counted`) is mere untidiness.
_AMBIGUOUS = object()
_SERIAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._/-]*")
_DIGITS = re.compile(r"[+]?[0-9]{1,9}")


def adapter(parse: Adapter) -> Adapter:
    """Make an adapter total: it returns a Reading inside the time window or raises PayloadRejected.

    Any other exception from a payload is a bug we have not met yet; it becomes `malformed` (with
    the original as __cause__ for the log) because the worker must never die of a payload.
    """

    @functools.wraps(parse)
    def checked(payload: bytes, *, received_at: datetime) -> Reading:
        if not isinstance(payload, bytes | bytearray | memoryview):
            raise TypeError("payload must be bytes")
        received = utc_received(received_at)
        try:
            reading = parse(bytes(payload), received_at=received)
            check_window(reading.observed_at, received)
        except PayloadRejected:
            raise
        except Exception as exc:
            raise PayloadRejected("malformed", f"{type(exc).__name__}: {exc}") from exc
        return reading

    return checked


def utc_received(received_at: datetime) -> datetime:
    """The receive time in UTC; a naive one is the caller's bug, not the payload's."""
    if not isinstance(received_at, datetime) or received_at.utcoffset() is None:
        raise ValueError("received_at must be an aware datetime")
    return received_at.astimezone(UTC)


def load_text(payload: bytes) -> str:
    """The payload as stripped text; refuses oversized and non-UTF-8 payloads."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadRejected("oversized", f"{len(payload)} bytes")
    try:
        # utf-8-sig: a byte-order mark is untidy, not wrong (some Windows tools add one).
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PayloadRejected("malformed", "not UTF-8") from exc
    return text.strip()


def load_json(payload: bytes) -> Any:
    """Parse JSON strictly (no NaN/Infinity) with object keys folded to lower case."""
    text = load_text(payload)
    if not text:
        raise PayloadRejected("empty")
    try:
        return json.loads(text, object_pairs_hook=_fold_keys, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise PayloadRejected("malformed", "not JSON") from exc


def load_object(payload: bytes) -> dict[str, Any]:
    body = load_json(payload)
    if not isinstance(body, dict):
        raise PayloadRejected("malformed", "expected a JSON object")
    if not body:
        raise PayloadRejected("empty")
    return body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _fold_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    folded: dict[str, Any] = {}
    for key, value in pairs:
        key = key.lower()
        if key in folded and folded[key] is not _AMBIGUOUS and folded[key] != value:
            folded[key] = _AMBIGUOUS
        elif key not in folded:
            folded[key] = value
    return folded


def field(body: dict[str, Any], *names: str) -> Any:
    """The first of `names` present and not null in `body`, else None."""
    for name in names:
        value = body.get(name)
        if value is _AMBIGUOUS:
            raise PayloadRejected("malformed", f"{name} sent twice with different values")
        if value is not None:
            return value
    return None


def sub_object(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = field(body, name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadRejected("wrong_type", f"{name} must be an object")
    return value


def whole_number(value: Any, name: str, *, numeric_strings: bool = False) -> int:
    """An integer; whole floats (12.0) pass, booleans and fractions do not."""
    # JSON true is a bool in Python, and bool is an int: without this check it would count as 1.
    if isinstance(value, bool):
        raise PayloadRejected("wrong_type", f"{name} is a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PayloadRejected("out_of_range", f"{name} is not finite")
        if not value.is_integer():
            raise PayloadRejected("wrong_type", f"{name} is not a whole number")
        return int(value)
    if numeric_strings and isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    raise PayloadRejected("wrong_type", f"{name} is not a number")


def count_value(value: Any, name: str, *, numeric_strings: bool = False) -> int | None:
    if value is None:
        return None
    number = whole_number(value, name, numeric_strings=numeric_strings)
    if not 0 <= number <= MAX_COUNT:
        raise PayloadRejected("out_of_range", f"{name}={number}")
    return number


def battery_value(value: Any, name: str = "battery") -> int | None:
    """Battery percentage; fractions are rounded because some converters report 97.5."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadRejected("wrong_type", f"{name} is not a number")
    if not (math.isfinite(value) and 0 <= value <= 100):
        raise PayloadRejected("out_of_range", f"{name}={value}")
    return round(value)


def flag_value(value: Any, name: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise PayloadRejected("wrong_type", f"{name} is not a boolean")
    return value


def serial_value(value: Any, name: str) -> str | None:
    """A device serial number; digits sent as a JSON number are accepted."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str):
        raise PayloadRejected("wrong_type", f"{name} is not a string")
    serial = value.strip()
    if not serial:
        return None
    if len(serial) > MAX_SERIAL_LENGTH or not _SERIAL.fullmatch(serial):
        raise PayloadRejected("malformed", f"{name} is not a serial number")
    return serial


def iso_time(value: Any, name: str) -> datetime:
    """An ISO 8601 time WITH an offset, in UTC.

    A naive time is `malformed`, not `wrong_type`: the type (a string) is right, but without an
    offset the moment is unknown, and guessing the venue's zone would be wrong twice a year.
    """
    if not isinstance(value, str):
        raise PayloadRejected("wrong_type", f"{name} is not a string")
    if len(value) > 64:
        raise PayloadRejected("malformed", f"{name} is too long")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise PayloadRejected("malformed", f"{name} is not ISO 8601") from exc
    if moment.utcoffset() is None:
        raise PayloadRejected("malformed", f"{name} has no UTC offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise PayloadRejected("malformed", f"{name} is out of the calendar") from exc


def epoch_time(seconds: Any, name: str, *, received_at: datetime) -> datetime:
    """A Unix time in seconds, in UTC, checked against the window before converting.

    Checking first keeps absurd values (1e300) out of datetime, which would overflow.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise PayloadRejected("wrong_type", f"{name} is not a number")
    if not math.isfinite(seconds):
        raise PayloadRejected("out_of_range", f"{name} is not finite")
    ahead = seconds - received_at.timestamp()
    if ahead > MAX_CLOCK_SKEW.total_seconds():
        raise PayloadRejected("future", f"{name} is {ahead:.0f} s ahead")
    if -ahead > MAX_AGE.total_seconds():
        raise PayloadRejected("too_old", f"{name} is {-ahead:.0f} s old")
    return received_at + timedelta(seconds=ahead)


def check_window(observed_at: datetime, received_at: datetime) -> None:
    if observed_at - received_at > MAX_CLOCK_SKEW:
        raise PayloadRejected("future", f"observed {observed_at.isoformat()}")
    if received_at - observed_at > MAX_AGE:
        raise PayloadRejected("too_old", f"observed {observed_at.isoformat()}")


def reading(**values: Any) -> Reading:
    """A Reading, or `empty` when the payload carried nothing this project uses."""
    kept = ("count", "present", "entered", "exited", "battery")
    if all(values.get(name) is None for name in kept):
        raise PayloadRejected("empty", "no occupancy, presence, crossings or battery")
    return Reading(**values)
