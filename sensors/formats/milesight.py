"""Milesight people counters (VS121 workplace sensor, VS125/VS133 line crossing) over MQTT."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sensors.formats.fields import (
    adapter,
    count_value,
    field,
    load_object,
    reading,
    serial_value,
    sub_object,
)
from sensors.formats.reading import MAX_COUNT, PayloadRejected, Reading

# "UTC+8:00", "UTC-05:00", "UTC+5:30", "UTC", and the untidy "GMT+8" / "+08:00".
_ZONE = re.compile(r"(?:UTC|GMT)?\s*(?:([+-])\s*([0-9]{1,2})(?::?([0-9]{2}))?)?", re.IGNORECASE)
# "2022/12/20 19:15:52"; dashes and a "T" are tolerated, seconds optional.
_WALL_CLOCK = re.compile(r"([0-9]{4})[/-]([0-9]{1,2})[/-]([0-9]{1,2})[ T]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")
# Report types whose `in`/`out` are running totals since the device's scheduled reset rather
# than the crossings of one period.
_TOTAL_REPORTS = frozenset({"total", "accumulated", "cumulative"})


@adapter
def parse_milesight(payload: bytes, *, received_at: datetime) -> Reading:
    """Decode an interval or trigger report; only counts and the device serial are kept.

    The vendor also sends the device MAC and IP address, region names and (over HTTP) a camera
    snapshot: all are dropped here. Milesight firmware sometimes quotes numbers, so numeric
    strings are accepted for counts.
    """
    body = load_object(payload)
    report_type = field(body, "report_type")
    if report_type is not None and not isinstance(report_type, str):
        raise PayloadRejected("wrong_type", "report_type is not a string")
    count = _headcount(body)
    entered = count_value(field(body, "in"), "in", numeric_strings=True)
    exited = count_value(field(body, "out"), "out", numeric_strings=True)
    if report_type and report_type.strip().lower() in _TOTAL_REPORTS:
        # Totals since the reset only tell who is inside now; the deltas are not recoverable.
        if count is None and entered is not None and exited is not None:
            count = max(entered - exited, 0)
        entered = exited = None
    serial = field(sub_object(body, "device_info"), "device_sn")
    return reading(
        observed_at=_report_time(sub_object(body, "time_info"), received_at),
        count=count,
        entered=entered,
        exited=exited,
        device_serial=serial_value(serial, "device_sn"),
    )


def _headcount(body: dict[str, Any]) -> int | None:
    total = count_value(field(body, "current_total"), "current_total", numeric_strings=True)
    if total is not None:
        return total
    per_region = field(body, "current_counted")
    if per_region is None:
        return None
    if not isinstance(per_region, list):
        raise PayloadRejected("wrong_type", "current_counted is not a list")
    if not per_region:
        return None
    people = sum(count_value(n, "current_counted", numeric_strings=True) or 0 for n in per_region)
    if people > MAX_COUNT:
        raise PayloadRejected("out_of_range", f"current_counted sums to {people}")
    return people


def _report_time(time_info: dict[str, Any], received_at: datetime) -> datetime:
    """The end of the reporting period in UTC (trigger reports carry a single `time`)."""
    wall_clock = field(time_info, "end_time", "time")
    if wall_clock is None:
        return received_at
    if not isinstance(wall_clock, str):
        raise PayloadRejected("wrong_type", "end_time is not a string")
    match = _WALL_CLOCK.fullmatch(wall_clock.strip())
    if match is None:
        raise PayloadRejected("malformed", f"end_time {wall_clock[:40]!r}")
    zone = _zone(field(time_info, "timezone"), _dst(field(time_info, "dst_status")))
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=zone)
        return local.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise PayloadRejected("malformed", f"end_time {wall_clock[:40]!r}") from exc


def _zone(value: Any, dst: bool) -> timezone:
    """The device's zone; during DST the wall clock is one hour ahead of the standard offset.

    The `timezone` field names the configured standard offset (UTC+1 for Paris all year) and
    `dst_status` says whether summer time is in force, so summer adds one hour.
    """
    # Without a zone the wall-clock time could be any of 26 moments: refuse rather than guess.
    if value is None:
        raise PayloadRejected("malformed", "time_info has times but no timezone")
    if not isinstance(value, str):
        raise PayloadRejected("wrong_type", "timezone is not a string")
    text = value.strip()
    match = _ZONE.fullmatch(text)
    if match is None or not text:
        raise PayloadRejected("malformed", f"timezone {text[:40]!r}")
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
    if offset > timedelta(hours=14) or int(minutes or 0) >= 60:
        raise PayloadRejected("malformed", f"timezone {text!r}")
    if sign == "-":
        offset = -offset
    if dst:
        offset += timedelta(hours=1)
    return timezone(offset)


def _dst(value: Any) -> bool:
    # Documented as a JSON boolean; 0/1 and "true"/"false" cannot mean anything else, so pass.
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PayloadRejected("wrong_type", "dst_status is not a boolean")
