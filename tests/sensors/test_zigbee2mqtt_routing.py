"""`zigbee2mqtt/...` topics reach only sensors registered with that format, on a real Mosquitto.

The bridge's broker account writes its whole tree (config/mosquitto.acl), so whoever holds it must
not be able to set a native sensor's count or mark it offline by naming it.
"""

from __future__ import annotations

import json

import pytest
from sensor_support import eventually, topic_of, unique
from sqlalchemy import select

from booking.extensions import db
from booking.models import IngestRejection, Sensor

pytestmark = pytest.mark.mqtt


def rejections(device: str) -> dict[str, int]:
    rows = db.session.scalars(select(IngestRejection).where(IngestRejection.sensor == device))
    return {row.reason: row.count for row in rows}


def sensor_row(sensor) -> Sensor:
    return db.session.get(Sensor, sensor.id)


def test_a_zigbee2mqtt_topic_naming_a_native_sensor_sets_no_count(make_sensor, start_worker, device, now):
    native = make_sensor()
    start_worker()
    device.reading(native, count=3, ts=now)
    eventually(lambda: sensor_row(native).count == 3)
    device.publish(f"zigbee2mqtt/{native.slug}", json.dumps({"count": 77, "occupancy": True}))
    eventually(lambda: rejections(f"zigbee2mqtt/{native.slug}") == {"unknown_device": 1})
    assert sensor_row(native).count == 3


def test_a_zigbee2mqtt_availability_naming_a_native_sensor_leaves_it_online(make_sensor, start_worker, device):
    native = make_sensor()
    start_worker()
    device.publish(topic_of(native, "status"), "online")
    eventually(lambda: sensor_row(native).status == "online")
    device.publish(f"zigbee2mqtt/{native.slug}/availability", "offline")
    eventually(lambda: rejections(f"zigbee2mqtt/{native.slug}") == {"unknown_device": 1})
    assert sensor_row(native).status == "online"


def test_a_zigbee2mqtt_sensor_without_a_friendly_name_is_found_by_its_id(make_sensor, start_worker, device):
    motion = make_sensor(kind="presence", format="zigbee2mqtt")
    start_worker()
    device.publish(f"zigbee2mqtt/{motion.slug}", json.dumps({"occupancy": True}))
    eventually(lambda: sensor_row(motion).present is True)


def test_a_zigbee2mqtt_sensor_with_a_friendly_name_answers_to_that_name_only(make_sensor, start_worker, device):
    motion = make_sensor(kind="presence", format="zigbee2mqtt", topic=unique("frioul/motion"))
    start_worker()
    device.publish(f"zigbee2mqtt/{motion.slug}", json.dumps({"occupancy": True}))
    eventually(lambda: rejections(f"zigbee2mqtt/{motion.slug}") == {"unknown_device": 1})
    assert sensor_row(motion).present is None


def test_zigbee2mqtt_availability_marks_its_own_sensor_offline(make_sensor, start_worker, device):
    name = unique("frioul/motion")
    motion = make_sensor(kind="presence", format="zigbee2mqtt", topic=name)
    start_worker()
    device.publish(f"zigbee2mqtt/{name}/availability", json.dumps({"state": "offline"}))
    eventually(lambda: sensor_row(motion).status == "offline")
