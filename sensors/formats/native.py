"""Our own format: `{"count": 12, "ts": "2026-11-26T10:00:00+01:00"}` and/or `{"present": true}`."""

from __future__ import annotations

from datetime import datetime

from sensors.formats.fields import (
    adapter,
    battery_value,
    count_value,
    field,
    flag_value,
    iso_time,
    load_object,
    reading,
)
from sensors.formats.reading import PayloadRejected, Reading


@adapter
def parse_native(payload: bytes, *, received_at: datetime) -> Reading:
    """Decode the native format; strict, since we wrote its specification ourselves."""
    body = load_object(payload)
    count = count_value(field(body, "count"), "count")
    present = flag_value(field(body, "present"), "present")
    if count is not None and present is not None and present != (count > 0):
        raise PayloadRejected("malformed", f"present={present} contradicts count={count}")
    ts = field(body, "ts")
    return reading(
        observed_at=received_at if ts is None else iso_time(ts, "ts"),
        count=count,
        present=present,
        battery=battery_value(field(body, "battery")),
    )
