"""The scripted day the history tests share: what a people counter reports in one room, and recording it."""

from __future__ import annotations

from datetime import datetime

from clock import paris

from booking.services import readings


def scripted(day) -> list[tuple[datetime, int]]:
    """3 people early, 12 at the meeting, empty, a few unbooked at lunch: 130 occupied minutes
    (tests/booking/test_utilization.py's scripted day)."""
    return [(paris(day, 8, 50), 3), (paris(day, 9, 30), 12), (paris(day, 10, 30), 0), (paris(day, 12), 2),
            (paris(day, 12, 30), 0)]  # fmt: skip


def record(sensor_id: int, script) -> None:
    """Each (time, count) as one reading of ``sensor_id``, received when it was observed."""
    for at, count in script:
        batch = readings.Batch(readings=[readings.SensorReading(sensor_id, at, at, count=count)])
        readings.record_readings(batch, now=at)
