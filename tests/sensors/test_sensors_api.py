"""Venue staff manage the sensor registry and see each sensor's health and refused messages."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from booking.services import readings
from booking.services.readings import Batch, SensorReading

PIR = {"sensor": "pir-frioul", "site": "la-coque", "space": "salle-frioul", "kind": "presence",
       "format": "zigbee2mqtt", "topic": "frioul/motion", "interval_seconds": 300}  # fmt: skip


@pytest.fixture
def staff_headers(auth, staff):
    return auth(staff)


def test_staff_register_a_sensor_and_see_it_listed(client, staff_headers):
    response = client.post("/api/v1/sensors", json=PIR, headers=staff_headers)
    assert response.status_code == 201, response.json
    assert response.json == response.json | {**PIR, "status": "unknown", "health": "stale", "last_seen_at": None}
    listed = client.get("/api/v1/sensors?site=la-coque", headers=staff_headers).json
    assert [sensor["sensor"] for sensor in listed] == ["pir-frioul"]


def test_sensor_health_shows_last_seen_and_battery(client, staff_headers, make_sensor, now):
    sensor = make_sensor(interval_seconds=60)
    readings.record_readings(Batch(readings=[SensorReading(sensor.id, now, now, count=2, battery=64)]), now)
    body = client.get(f"/api/v1/sensors/{sensor.slug}", headers=staff_headers).json
    assert (body["health"], body["battery"], body["count"]) == ("healthy", 64, 2)
    assert body["last_seen_at"].endswith(("+01:00", "+02:00"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "thermometer"}, "kind"),  # not a kind of occupancy sensor
        ({"format": "xml"}, "format"),  # no adapter for it
        ({"interval_seconds": 0}, "interval_seconds"),  # must report at some point
        ({"sensor": "pc/1"}, "sensor"),  # would break its topic
        ({"topic": "zigbee2mqtt/+"}, "topic"),  # a wildcard is no device name
        ({"space": "nowhere"}, "space"),  # unknown space
    ],
)
def test_invalid_sensors_are_refused_naming_the_field(client, staff_headers, change, field):
    response = client.post("/api/v1/sensors", json=PIR | change, headers=staff_headers)
    assert response.status_code == 422
    assert field in response.get_data(as_text=True)


def test_a_sensor_id_is_registered_once(client, staff_headers):
    assert client.post("/api/v1/sensors", json=PIR, headers=staff_headers).status_code == 201
    assert client.post("/api/v1/sensors", json=PIR, headers=staff_headers).status_code == 409


def test_staff_move_and_delete_a_sensor(client, staff_headers):
    client.post("/api/v1/sensors", json=PIR, headers=staff_headers)
    moved = client.patch("/api/v1/sensors/pir-frioul", json={"space": "showroom"}, headers=staff_headers)
    assert (moved.status_code, moved.json["space"]) == (200, "showroom")
    assert client.delete("/api/v1/sensors/pir-frioul", headers=staff_headers).status_code == 204
    assert client.get("/api/v1/sensors/pir-frioul", headers=staff_headers).status_code == 404


def test_rejections_are_listed_per_sensor_and_reason(client, staff_headers, now):
    counts = Counter({("pc-9", "malformed"): 3, ("pc-9", "future"): 1})
    readings.record_readings(Batch(rejections=counts), now)
    readings.record_readings(Batch(rejections=Counter({("pc-9", "malformed"): 2})), now + timedelta(seconds=1))
    body = client.get("/api/v1/sensors/rejections", headers=staff_headers).json
    assert {(r["sensor"], r["reason"]): r["count"] for r in body} == {("pc-9", "future"): 1, ("pc-9", "malformed"): 5}


@pytest.mark.parametrize(("method", "path"), [("get", "/api/v1/sensors"), ("post", "/api/v1/sensors")])
def test_companies_cannot_touch_the_registry(client, auth, customer, method, path):
    response = getattr(client, method)(path, json=PIR, headers=auth(customer))
    assert response.status_code == 403


def test_a_sensor_cannot_take_the_name_of_a_route_beside_it(app, client, staff_headers):
    """GET /sensors/rejections would answer the route while PATCH and DELETE reached the sensor."""
    response = client.post("/api/v1/sensors", json=PIR | {"sensor": "rejections"}, headers=staff_headers)
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == ["sensor"]


def test_every_route_beside_a_sensor_is_a_reserved_sensor_id(app):
    from booking.services.sensors import RESERVED_SLUGS

    beside = {
        rule.rule.removeprefix("/api/v1/sensors/").split("/")[0]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/sensors/") and "<" not in rule.rule.split("/")[4]
    }
    assert beside == RESERVED_SLUGS
