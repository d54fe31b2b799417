"""Decode what sensors publish into anonymous Readings, or reject it with a counted reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sensors.formats.fields import field, load_json, load_text, utc_received
from sensors.formats.homeassistant import parse_homeassistant
from sensors.formats.milesight import parse_milesight
from sensors.formats.native import parse_native
from sensors.formats.reading import (
    MAX_AGE,
    MAX_CLOCK_SKEW,
    MAX_COUNT,
    MAX_PAYLOAD_BYTES,
    REASONS,
    PayloadRejected,
    Reading,
)
from sensors.formats.senml import parse_senml
from sensors.formats.zigbee2mqtt import parse_zigbee2mqtt

__all__ = [
    "FORMATS",
    "MAX_AGE",
    "MAX_CLOCK_SKEW",
    "MAX_COUNT",
    "MAX_PAYLOAD_BYTES",
    "REASONS",
    "PayloadRejected",
    "Reading",
    "decode",
    "parse_homeassistant",
    "parse_milesight",
    "parse_native",
    "parse_senml",
    "parse_status",
    "parse_zigbee2mqtt",
]

FORMATS: dict[str, Callable[..., Reading]] = {
    "native": parse_native,
    "zigbee2mqtt": parse_zigbee2mqtt,
    "milesight": parse_milesight,
    "senml": parse_senml,
    "homeassistant": parse_homeassistant,
}

_STATUS = {"online": True, "offline": False}


def decode(payload: bytes, fmt: str, *, received_at: datetime) -> Reading:
    """Decode `payload` in format `fmt`; raises only PayloadRejected for anything a sensor sends."""
    received = utc_received(received_at)
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadRejected("oversized", f"{len(payload)} bytes")
    parse = FORMATS.get(fmt)
    if parse is None:
        raise PayloadRejected("unsupported", f"format {fmt!r}")
    return parse(payload, received_at=received)


def parse_status(payload: bytes) -> bool | None:
    """True for online, False for offline, None when a retained status was cleared.

    Accepts the plain strings of our devices and Zigbee2MQTT 1.x, and Z2M 2.x's
    `{"state": "online"}`. An empty payload is how MQTT deletes a retained message: the device's
    status becomes unknown, which is not the same as offline.
    """
    try:
        return _status(payload)
    except PayloadRejected:
        raise
    except Exception as exc:  # the worker must never die of a payload
        raise PayloadRejected("malformed", f"{type(exc).__name__}: {exc}") from exc


def _status(payload: bytes) -> bool | None:
    text = load_text(bytes(payload))
    if not text:
        return None
    if text.startswith(("{", '"')):
        body = load_json(bytes(payload))
        state = field(body, "state") if isinstance(body, dict) else body
        if not isinstance(state, str):
            raise PayloadRejected("wrong_type", "status state is not a string")
        text = state.strip()
    status = _STATUS.get(text.lower())
    if status is None:
        raise PayloadRejected("malformed", f"status {text[:20]!r}")
    return status
