"""The ingest worker against a real Mosquitto: readings reach the database and the API, once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sensor_support import eventually, topic_of, unique
from sqlalchemy import func, select, text

from booking.extensions import db
from booking.models import IngestRejection, OccupancyReading, Sensor

pytestmark = pytest.mark.mqtt


def stored_readings(sensor) -> int:
    return db.session.scalar(select(func.count()).where(OccupancyReading.sensor_id == sensor.id))


def rejections(device: str) -> dict[str, int]:
    rows = db.session.scalars(select(IngestRejection).where(IngestRejection.sensor == device))
    return {row.reason: row.count for row in rows}


@pytest.fixture
def staff_headers(auth, staff) -> dict:
    return auth(staff)


def test_published_reading_is_visible_in_the_api(client, make_sensor, start_worker, device, now, staff_headers):
    sensor = make_sensor()
    start_worker()
    device.reading(sensor, count=7, ts=now)

    def showroom():  # staff see which sensors say so, and their health
        body = client.get("/api/v1/sites/la-coque/spaces/showroom/occupancy", headers=staff_headers).json
        return body if body["count"] == 7 else None

    body = eventually(showroom)
    assert body["present"] is True
    assert body["state"] == "occupied"
    assert body["fresh"] is True
    assert body["sources"] == [sensor.slug]
    assert body["health"] == "healthy"


def test_duplicates_are_absorbed(make_sensor, start_worker, device, now):
    sensor = make_sensor()
    worker = start_worker()
    for _ in range(3):
        device.reading(sensor, count=4, ts=now)
    eventually(lambda: worker.stats["duplicates"] == 2)
    assert stored_readings(sensor) == 1


def test_an_older_reading_never_overwrites_newer_state(client, make_sensor, start_worker, device, now):
    sensor = make_sensor()
    worker = start_worker()
    device.reading(sensor, count=9, ts=now)
    device.reading(sensor, count=2, ts=now - timedelta(minutes=1))  # arrives late
    # the worker counts a batch just after committing it: wait for both
    eventually(lambda: stored_readings(sensor) == 2 and worker.stats["stored"] == 2)
    assert client.get("/api/v1/sites/la-coque/spaces/showroom/occupancy").json["count"] == 9


def test_line_crossings_adjust_the_headcount_whatever_their_order(make_sensor, start_worker, device, now):
    sensor = make_sensor(format="senml")
    start_worker()
    base = int(now.timestamp())
    for offset, name, value in [(0, "in", 5), (-30, "in", 2), (10, "out", 3)]:
        device.publish(topic_of(sensor), json.dumps([{"bn": "door-1:", "bt": base + offset, "n": name, "v": value}]))
    eventually(lambda: stored_readings(sensor) == 3)
    assert db.session.get(Sensor, sensor.id).count == 4  # 5 + 2 - 3


def test_readings_from_unknown_devices_are_counted_and_dropped(start_worker, device):
    start_worker()
    ghost = unique("ghost")
    device.publish(f"onexp/la-coque/showroom/{ghost}/occupancy", json.dumps({"count": 3}))
    device.publish(f"onexp/la-coque/made-up-{ghost}/{ghost}/occupancy", json.dumps({"count": 3}))
    eventually(lambda: rejections(ghost) == {"unknown_device": 2})  # one counter per device id
    assert db.session.scalar(select(func.count()).select_from(OccupancyReading)) == 0


def test_a_sensor_registered_after_the_worker_started_loses_none_of_its_first_readings(
    make_sensor, start_worker, device, now
):
    start_worker()  # its registry is loaded before the sensor exists
    sensor = make_sensor()
    for i in range(20):  # at once: well within the pace the worker reloads its registry at
        device.reading(sensor, count=i, ts=now - timedelta(seconds=20 - i))
    eventually(lambda: stored_readings(sensor) == 20)
    assert rejections(sensor.slug) == {}


def test_a_sensor_publishing_under_another_space_is_refused(make_sensor, start_worker, device):
    sensor = make_sensor(space="showroom")
    start_worker()
    device.publish(f"onexp/la-coque/plateau-tv/{sensor.slug}/occupancy", json.dumps({"count": 3}))
    eventually(lambda: rejections(sensor.slug) == {"misplaced": 1})
    assert stored_readings(sensor) == 0


def test_zigbee2mqtt_sensor_is_found_by_its_friendly_name(client, make_sensor, start_worker, device):
    name = unique("salle/calanques/motion")
    make_sensor(space="salle-calanques", kind="presence", format="zigbee2mqtt", topic=name)
    start_worker()
    device.publish(f"zigbee2mqtt/{name}", json.dumps({"occupancy": True, "battery": 87, "linkquality": 120}))

    def calanques():
        body = client.get("/api/v1/sites/la-coque/spaces/salle-calanques/occupancy").json
        return body if body["present"] else None

    body = eventually(calanques)
    assert body["count"] is None  # a presence sensor never makes up a headcount
    assert body["state"] == "occupied"


def test_last_will_marks_the_sensor_offline(client, make_sensor, start_worker, device, now, staff_headers):
    sensor = make_sensor()
    start_worker()
    device.reading(sensor, count=1, ts=now)
    device.publish(topic_of(sensor, "status"), "offline", retain=True)
    eventually(lambda: db.session.get(Sensor, sensor.id).status == "offline")
    body = client.get("/api/v1/sites/la-coque/spaces/showroom/occupancy", headers=staff_headers).json
    assert body["health"] == "offline"
    assert body["fresh"] is False


def test_status_retained_before_the_worker_started_is_read_at_start(make_sensor, start_worker, device):
    sensor = make_sensor()
    device.publish(topic_of(sensor, "status"), "online", retain=True)
    start_worker()
    eventually(lambda: db.session.get(Sensor, sensor.id).status == "online")


def test_no_personal_data_is_stored(make_sensor, start_worker, device, now):
    sensor = make_sensor(format="milesight")
    start_worker()
    report = {
        "report_type": "interval",
        "device_info": {"device_sn": "369362028335", "device_mac": "00:16:28:FA:8E:68", "ip_address": "192.168.0.99"},
        "current_total": 3,
        "region_name": ["Alice's desk"],
        "snapshot": "data:image/jpeg;base64,/9j/4AAQ",
    }
    device.publish(topic_of(sensor), json.dumps(report))
    eventually(lambda: stored_readings(sensor) == 1)
    everything = ""
    for table in ("occupancy_readings", "sensors", "space_occupancy", "ingest_rejections"):
        everything += repr(db.session.execute(text(f"SELECT * FROM {table}")).all())
    for personal in ("00:16:28", "192.168", "Alice", "base64"):
        assert personal not in everything


def test_a_bug_in_decoding_one_message_does_not_stall_the_others(monkeypatch, make_sensor, start_worker, device, now):
    import sensors.ingest

    real_decode = sensors.ingest.decode

    def buggy_decode(payload, fmt, *, received_at):
        if b"boom" in payload:
            raise RuntimeError("a bug we have not met yet")
        return real_decode(payload, fmt, received_at=received_at)

    monkeypatch.setattr(sensors.ingest, "decode", buggy_decode)
    sensor = make_sensor()
    start_worker()
    device.reading(sensor, count=1, boom=True)
    device.reading(sensor, count=2, ts=now)
    eventually(lambda: stored_readings(sensor) == 1 and rejections(sensor.slug) == {"malformed": 1})


def test_a_device_on_its_own_topic_is_mapped_by_that_topic(make_sensor, start_worker, device, now):
    topic = f"milesight/{unique('vs121')}"  # where the installer pointed the counter
    sensor = make_sensor(format="milesight", topic=topic)
    start_worker()
    device.publish(topic, json.dumps({"report_type": "interval", "current_total": 6}))
    eventually(lambda: stored_readings(sensor) == 1)
    assert db.session.get(Sensor, sensor.id).count == 6
