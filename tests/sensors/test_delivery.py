"""At least once: a QoS 1 stream survives a killed worker and a restarted broker, every reading counted."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sensor_support import DEADLINE, Device, eventually, topic_of
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import OccupancyReading

pytestmark = pytest.mark.mqtt

STREAM = 600  # readings in the stream


def stored(sensor) -> int:
    return db.session.scalar(select(func.count()).where(OccupancyReading.sensor_id == sensor.id))


def publish_until_acknowledged(device: Device, topic: str, payload: str) -> None:
    """What a device does: publish again until the broker acknowledged (a broker restart drops some)."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:
            info = device.client.publish(topic, payload, qos=1)
            info.wait_for_publish(2)
            if info.is_published():
                return
        except (RuntimeError, ValueError):
            time.sleep(0.1)  # not connected: paho is reconnecting
    raise AssertionError(f"the broker never acknowledged {payload}")


def stream(device: Device, sensor, now, *, at: dict) -> None:
    """Publish STREAM readings with distinct times, calling ``at[i]()`` before reading i."""
    start = now - timedelta(seconds=STREAM)
    for i in range(STREAM):
        if i in at:
            at[i]()
        ts = (start + timedelta(seconds=i)).isoformat()
        publish_until_acknowledged(device, topic_of(sensor), json.dumps({"count": i % 30, "ts": ts}))


def test_a_killed_worker_and_a_restarted_broker_lose_no_reading(make_sensor, start_worker, mqtt_broker, device, now):
    sensor = make_sensor()
    workers = [start_worker(batch_size=50)]

    def kill_worker():
        workers[-1].abort()  # no ack for what it held: the broker must deliver it again
        workers.append(start_worker(batch_size=50))

    def restart_broker():
        mqtt_broker.restart()

    stream(device, sensor, now, at={STREAM // 3: kill_worker, 2 * STREAM // 3: restart_broker})
    eventually(lambda: stored(sensor) == STREAM, message=f"{STREAM} readings stored")
    eventually(lambda: workers[-1].stats["stored"] > 0)  # the restarted worker took over


def test_a_worker_stopped_while_the_stream_goes_on_catches_up_from_its_session(make_sensor, start_worker, device, now):
    sensor = make_sensor()
    first = start_worker()

    def stop_for_a_while():
        first.stop()  # offline: the broker queues for our persistent session

    stream(device, sensor, now, at={STREAM // 2: stop_for_a_while})
    start_worker()
    eventually(lambda: stored(sensor) == STREAM, message=f"{STREAM} readings stored")
