"""SenML (RFC 8428) JSON packs: `[{"bn": "...", "bt": 1732615200, "n": "occupancy", "v": 3}]`."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sensors.formats.fields import (
    adapter,
    battery_value,
    count_value,
    epoch_time,
    field,
    load_json,
    reading,
)
from sensors.formats.reading import MAX_COUNT, MAX_SERIAL_LENGTH, PayloadRejected, Reading

SENML_VERSION = 10
# RFC 8428 section 4.5.3: smaller times are relative to "now" (0 = now, negative = ago).
RELATIVE_TIME_LIMIT = 2**28

# The last segment of a resolved name decides what a record measures.
_HEADCOUNT = frozenset({"count", "occupancy", "people", "people_count", "headcount", "occupants"})
_PRESENCE = frozenset({"presence", "present", "occupancy", "occupied"})
_ENTERED = frozenset({"in", "entered", "entries"})
_EXITED = frozenset({"out", "exited", "exits"})
_BATTERY = frozenset({"battery", "battery_level"})
_COUNT_UNITS = frozenset({None, "count"})
_BATTERY_UNITS = frozenset({"%EL", "%"})
_LAST_SEGMENT = re.compile(r"[^:/.]*$")
_SERIAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._/-]*")


@dataclass(frozen=True)
class _Record:
    name: str
    seconds: float
    unit: str | None
    value: float | None
    flag: bool | None
    order: int


@adapter
def parse_senml(payload: bytes, *, received_at: datetime) -> Reading:
    """Decode a pack; the newest record per name wins, line crossings are summed over times."""
    pack = load_json(payload)
    if not isinstance(pack, list):
        raise PayloadRejected("malformed", "a SenML pack is a JSON array")
    records = list(_resolve(pack, received_at))
    if not records:
        raise PayloadRejected("empty")
    newest = _newest_per_name(records)
    used: list[_Record] = []

    count = present = battery = entered = exited = None
    for record in sorted(newest.values(), key=lambda r: (r.seconds, r.order)):
        kind = _segment(record.name)
        if record.flag is not None and kind in _PRESENCE:
            present = record.flag
        elif record.value is not None and kind in _HEADCOUNT and record.unit in _COUNT_UNITS:
            count = count_value(record.value, record.name)
        elif record.value is not None and kind in _BATTERY and record.unit in _BATTERY_UNITS:
            battery = battery_value(record.value, record.name)
        elif kind in _ENTERED | _EXITED and record.unit in _COUNT_UNITS:
            crossed = _crossings(records, record.name)
            if kind in _ENTERED:
                entered = crossed
            else:
                exited = crossed
        else:
            continue
        used.append(record)

    if not used:
        raise PayloadRejected("empty", "no record this project uses")
    observed = max(epoch_time(r.seconds, r.name, received_at=received_at) for r in used)
    return reading(
        observed_at=observed,
        count=count,
        present=present,
        entered=entered,
        exited=exited,
        battery=battery,
        device_serial=_serial(pack),
    )


def _resolve(pack: list[Any], received_at: datetime) -> Iterator[_Record]:
    """Yield resolved records: base fields applied, times absolute (RFC 8428 section 4.6)."""
    base_name, base_time, base_unit, base_value = "", 0.0, None, None
    now = received_at.timestamp()
    for order, record in enumerate(pack):
        if not isinstance(record, dict):
            raise PayloadRejected("malformed", "a SenML record is a JSON object")
        if any(key.endswith("_") for key in record):
            # Labels ending in "_" must be understood or the whole pack refused (section 4.4).
            raise PayloadRejected("unsupported", "must-understand SenML label")
        version = field(record, "bver")
        if version is not None:
            if isinstance(version, bool) or not isinstance(version, int):
                raise PayloadRejected("wrong_type", "bver is not an integer")
            if version > SENML_VERSION:
                raise PayloadRejected("unsupported", f"SenML version {version}")
        base_name = _text(record, "bn", base_name)
        base_time = _number(record, "bt", base_time)
        base_unit = _text(record, "bu", base_unit)
        base_value = _number(record, "bv", base_value)

        name = base_name + _text(record, "n", "")
        if not name:
            raise PayloadRejected("malformed", "SenML record without a name")
        seconds = base_time + _number(record, "t", 0.0)
        if seconds < RELATIVE_TIME_LIMIT:
            seconds += now
        value = _number(record, "v", None)
        flag = field(record, "vb")
        if flag is not None and not isinstance(flag, bool):
            raise PayloadRejected("wrong_type", f"{name}: vb is not a boolean")
        if value is not None and base_value is not None:
            value += base_value
        elif value is None and flag is None and field(record, "vs", "vd", "s") is None:
            value = base_value
        if value is not None and not math.isfinite(value):
            raise PayloadRejected("out_of_range", f"{name} is not finite")
        yield _Record(name, seconds, _text(record, "u", base_unit), value, flag, order)


def _newest_per_name(records: list[_Record]) -> dict[str, _Record]:
    newest: dict[str, _Record] = {}
    for record in records:
        known = newest.get(record.name)
        # Ties go to the later record: a sender appending a correction expects it to win.
        if known is None or record.seconds >= known.seconds:
            newest[record.name] = record
    return newest


def _crossings(records: list[_Record], name: str) -> int:
    """Sum one counter's deltas over distinct times, so a pack of periods loses none of them."""
    per_time: dict[float, _Record] = {}
    for record in records:
        if record.name == name:
            per_time[record.seconds] = record
    total = 0
    for record in per_time.values():
        if record.value is None:
            raise PayloadRejected("wrong_type", f"{name} is not a number")
        total += count_value(record.value, name) or 0
    if total > MAX_COUNT:
        raise PayloadRejected("out_of_range", f"{name} sums to {total}")
    return total


def _segment(name: str) -> str:
    match = _LAST_SEGMENT.search(name)
    return match.group(0).lower() if match else ""


def _serial(pack: list[Any]) -> str | None:
    # The base name usually names the device ("urn:dev:mac:0024befffe804ff1:"); a base name that
    # does not look like an identifier is simply not used as one.
    first = pack[0] if pack and isinstance(pack[0], dict) else {}
    base_name = first.get("bn")
    if not isinstance(base_name, str):
        return None
    serial = base_name.rstrip(":/.-_")
    if 0 < len(serial) <= MAX_SERIAL_LENGTH and _SERIAL.fullmatch(serial):
        return serial
    return None


def _text(record: dict[str, Any], key: str, default: Any) -> Any:
    value = field(record, key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise PayloadRejected("wrong_type", f"{key} is not a string")
    return value


def _number(record: dict[str, Any], key: str, default: Any) -> Any:
    value = field(record, key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadRejected("wrong_type", f"{key} is not a number")
    return float(value)
