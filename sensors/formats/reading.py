"""What every payload adapter produces, and why a payload can be refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_PAYLOAD_BYTES = 16 * 1024
MAX_COUNT = 10_000
# Device clocks drift and NTP may be late after a power cut; a few minutes is tolerated.
MAX_CLOCK_SKEW = timedelta(minutes=5)
# Older readings cannot change live occupancy, and replaying a day-old queue would only confuse
# the no-show logic; a broker that held messages longer than this has lost the moment.
MAX_AGE = timedelta(hours=24)
MAX_SERIAL_LENGTH = 64

# The worker keeps one counter per reason, so this set is part of its contract: add, never rename.
REASONS = frozenset(
    {
        "oversized",  # more than MAX_PAYLOAD_BYTES
        "malformed",  # not UTF-8, not JSON, not the expected shape, or an adapter failure
        "wrong_type",  # a field of the wrong type (a string count, a boolean count, 12.5 people)
        "out_of_range",  # negative, count above MAX_COUNT, battery outside 0-100, not finite
        "future",  # observed more than MAX_CLOCK_SKEW after it was received
        "too_old",  # observed more than MAX_AGE before it was received
        "empty",  # nothing to read: blank payload, or no field this project uses
        "unsupported",  # unknown format name, or a feature of the format we cannot honour
    }
)


class PayloadRejected(ValueError):
    """A payload the worker must count and drop, never store."""

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Reading:
    """One anonymous observation of a space: a headcount, a presence flag, or line crossings.

    `device_serial` is the sensor's own serial number when the payload carries one (Milesight,
    SenML base names). It identifies a piece of venue equipment, not a person, and lets the worker
    map devices whose topic the installer chose; nothing else from a payload is kept (no MAC or IP
    address, no snapshot, no region names).
    """

    observed_at: datetime
    count: int | None = None
    present: bool | None = None
    entered: int | None = None
    exited: int | None = None
    battery: int | None = None
    device_serial: str | None = None

    def __post_init__(self) -> None:
        # Adapters check payloads and raise PayloadRejected; reaching these is a programming error.
        offset = self.observed_at.utcoffset()
        if offset is None or offset != timedelta(0):
            raise ValueError("observed_at must be an aware UTC datetime")
        for name in ("count", "entered", "exited"):
            value = getattr(self, name)
            if value is not None and not (_is_int(value) and 0 <= value <= MAX_COUNT):
                raise ValueError(f"{name} must be an int in 0..{MAX_COUNT}")
        if self.battery is not None and not (_is_int(self.battery) and 0 <= self.battery <= 100):
            raise ValueError("battery must be an int in 0..100")
        if self.present is not None and not isinstance(self.present, bool):
            raise ValueError("present must be a bool")
        if self.device_serial is not None and not (
            isinstance(self.device_serial, str) and 0 < len(self.device_serial) <= MAX_SERIAL_LENGTH
        ):
            raise ValueError("device_serial must be a short non-empty string")

    @property
    def has_occupancy(self) -> bool:
        """True unless this is a battery-only update, which must not touch occupancy state."""
        return any(v is not None for v in (self.count, self.present, self.entered, self.exited))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
