"""`onexp jobs run NAME` on the sensor history jobs, and how a long job tells how far it got
(tests/test_onexp_cli.py has the command itself)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.infra import progress
from booking.models import OccupancyRollup
from booking.services import readings, retention, sensors


def test_jobs_run_rolls_up_now_and_says_what_it_did(runner, make_space):
    make_space("lab")
    sensor = sensors.add_sensor("lab-counter", site="la-coque", space="lab").id
    at = datetime.now(UTC) - timedelta(days=3)
    for when, count in ((at, 4), (at + timedelta(minutes=30), 0)):
        readings.record_readings(readings.Batch(readings=[readings.SensorReading(sensor, when, when, count=count)]),
                                 now=when)  # fmt: skip
    result = runner.invoke(args=["jobs", "run", "roll_up_readings"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("roll_up_readings: {'days': ")
    assert db.session.scalar(select(func.sum(OccupancyRollup.occupied_seconds))) == pytest.approx(30 * 60)


def test_long_jobs_tell_how_far_they_got(app, make_space):
    make_space("lab")
    sensor = sensors.add_sensor("lab-counter", site="la-coque", space="lab").id
    first = datetime.combine(datetime.now(UTC).date(), time(9), UTC) - timedelta(days=6)
    readings.record_readings(readings.Batch(readings=[readings.SensorReading(sensor, first, first, count=1)]),
                             now=first)  # fmt: skip
    seen = []
    with progress.watching(lambda steps, total: seen.append((steps, total))):
        done = retention.roll_up(datetime.now(UTC))["days"]
    assert done >= 4 and seen == [(1, done)] * done
