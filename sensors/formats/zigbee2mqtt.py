"""Zigbee2MQTT device state (JSON output mode) from PIR and mmWave presence sensors."""

from __future__ import annotations

from datetime import datetime

from sensors.formats.fields import (
    adapter,
    battery_value,
    epoch_time,
    field,
    flag_value,
    iso_time,
    load_object,
    reading,
)
from sensors.formats.reading import PayloadRejected, Reading


@adapter
def parse_zigbee2mqtt(payload: bytes, *, received_at: datetime) -> Reading:
    """Decode `{"occupancy": true, "battery": 100, ...}`; other keys (lux, voltage...) are dropped.

    Z2M republishes the whole device state on every attribute report, but a device that only
    reported its battery may send a state without `occupancy`: that becomes a battery-only Reading
    (`has_occupancy` is False) rather than a rejection, so low batteries still raise alerts.
    mmWave sensors (Aqara FP1, Tuya) say `presence` instead of `occupancy`.
    """
    body = load_object(payload)
    present = flag_value(field(body, "occupancy"), "occupancy")
    if present is None:
        present = flag_value(field(body, "presence"), "presence")
    return reading(
        observed_at=_last_seen(field(body, "last_seen"), received_at),
        present=present,
        battery=battery_value(field(body, "battery")),
    )


def _last_seen(value: object, received_at: datetime) -> datetime:
    # Z2M's `advanced.last_seen` setting: "disable" (absent), "ISO_8601", "ISO_8601_local" or
    # "epoch" (milliseconds).
    if value is None:
        return received_at
    if isinstance(value, str):
        return iso_time(value, "last_seen")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadRejected("wrong_type", "last_seen is neither a string nor a number")
    return epoch_time(value / 1000, "last_seen", received_at=received_at)
