"""A space's combined state: settled with each write, or by the worker at most once a second.

Readings are visible on their sensor as soon as their batch commits; the combined state of the
space (`since`, the changes feed, the door displays) is recombined from the sensors by
`settle_spaces`, which the ingest worker calls about once a second instead of once per batch.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sensor_support import eventually
from sqlalchemy import select

from booking.extensions import db
from booking.infra.dbtypes import read_only
from booking.models import Sensor
from booking.services import catalog, readings
from booking.services.readings import Batch, SensorReading


def showroom():
    return catalog.get_space("la-coque", "showroom")


def test_an_unsettled_write_shows_the_reading_and_leaves_the_space_state_to_settling(make_sensor, now):
    sensor = make_sensor()
    batch = Batch(readings=[SensorReading(sensor.id, now, now, count=6)])
    recorded = readings.record_readings(batch, now, settle=False)
    space = showroom()
    assert recorded.touched == {space.id}
    assert recorded.spaces == frozenset()  # nothing combined yet
    assert db.session.get(Sensor, sensor.id).count == 6  # the reading itself is there
    assert readings.live_occupancy(space, now)["since"] is None

    assert readings.settle_spaces({space.id}, now) == {space.id}
    assert readings.live_occupancy(space, now)["since"] == now


def test_settling_again_changes_nothing(make_sensor, now):
    sensor = make_sensor()
    readings.record_readings(Batch(readings=[SensorReading(sensor.id, now, now, count=2)]), now, settle=False)
    space = showroom()
    readings.settle_spaces({space.id}, now)
    assert readings.settle_spaces({space.id}, now + timedelta(seconds=1)) == set()
    assert readings.live_occupancy(space, now)["since"] == now


@pytest.mark.mqtt
def test_the_worker_settles_the_space_state_soon_after_the_reading(make_sensor, start_worker, device, now):
    sensor = make_sensor()
    worker = start_worker()
    device.reading(sensor, count=3, ts=now)
    eventually(lambda: readings.live_occupancy(showroom(), now)["since"] == now)
    eventually(lambda: not worker.unsettled)


def test_on_sqlite_read_only_work_leaves_the_write_lock_to_writers(app, backend):
    if backend != "sqlite":
        pytest.skip("SQLite's write lock: PostgreSQL readers never take one")
    path = db.engine.url.database

    def a_writer_can_begin() -> bool:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)  # no waiting for the lock
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:  # database is locked
            return False
        finally:
            other.close()

    db.session.rollback()
    db.session.execute(select(Sensor.id)).all()  # the default: BEGIN IMMEDIATE, the lock is held
    assert not a_writer_can_begin()
    db.session.rollback()

    with read_only():
        db.session.execute(select(Sensor.id)).all()  # a deferred read transaction is open
        assert a_writer_can_begin()
        db.session.rollback()
