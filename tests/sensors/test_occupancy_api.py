"""Live occupancy through the service contract, the REST API and the Server-Sent Events stream."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests

from booking.extensions import db
from booking.services import readings
from booking.services.readings import Batch, SensorReading, StatusReport


@pytest.fixture
def record(app):
    """``record(sensor, at, count=..., present=...)`` stores one reading as the worker would."""

    def store(sensor, at, **values):
        return readings.record_readings(Batch(readings=[SensorReading(sensor.id, at, at, **values)]), at)

    return store


STAFF_ONLY = {"sources", "health", "observed_at"}  # which sensors, and how they are doing: the venue's business


def test_site_occupancy_lists_every_space_with_its_state(client, auth, staff, make_sensor, record, now):
    sensor = make_sensor(space="salle-frioul")
    record(sensor, now, count=3)
    body = client.get("/api/v1/sites/la-coque/occupancy", headers=auth(staff)).json
    by_space = {entry["space"]: entry for entry in body}
    assert by_space["salle-frioul"]["count"] == 3
    assert by_space["salle-frioul"]["since"].endswith(("+01:00", "+02:00"))  # the site's time zone
    assert by_space["showroom"] == by_space["showroom"] | {"state": "unknown", "health": "missing", "count": None}


@pytest.mark.parametrize(
    "url", ["/api/v1/sites/la-coque/occupancy", "/api/v1/sites/la-coque/spaces/showroom/occupancy"]
)
def test_anyone_sees_whether_a_space_is_occupied_and_only_staff_see_its_sensors(
    client, auth, staff, customer, make_sensor, record, now, url
):
    sensor = make_sensor()
    record(sensor, now, count=2)

    def showroom(headers=None):
        body = client.get(url, headers=headers).json
        return next(entry for entry in (body if isinstance(body, list) else [body]) if entry["space"] == "showroom")

    door = showroom()
    assert door == {"site": "la-coque", "space": "showroom", "count": 2, "present": True, "state": "occupied",
                    "since": door["since"], "fresh": True}  # fmt: skip
    assert set(showroom(auth(customer))) == set(door)  # a company sees what a door sees
    everything = showroom(auth(staff))
    assert set(everything) >= STAFF_ONLY and everything["sources"] == [sensor.slug]


def test_unknown_space_is_a_404_problem(client):
    response = client.get("/api/v1/sites/la-coque/spaces/nowhere/occupancy")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_since_is_when_presence_last_changed(client, make_sensor, record, now):
    sensor = make_sensor()
    record(sensor, now - timedelta(minutes=10), count=2)
    record(sensor, now - timedelta(minutes=5), count=5)  # still occupied: since does not move
    entry = readings.live_occupancy(_space("showroom"), now)
    assert entry["since"] == now - timedelta(minutes=10)
    record(sensor, now, count=0)
    assert readings.live_occupancy(_space("showroom"), now)["since"] == now


def test_space_sensor_health_follows_the_status_topic_and_reporting(make_sensor, record, now):
    sensor = make_sensor(interval_seconds=60)
    space_id = _space("showroom").id
    assert readings.space_sensor_health(space_id, now) == "stale"  # registered, never heard
    record(sensor, now, count=1)
    assert readings.space_sensor_health(space_id, now) == "healthy"
    assert readings.space_sensor_health(space_id, now + timedelta(minutes=4)) == "stale"
    readings.record_readings(Batch(statuses=[StatusReport(sensor.id, False, now)]), now)
    assert readings.space_sensor_health(space_id, now) == "offline"
    assert readings.space_sensor_health(_space("plateau-tv").id, now) == "missing"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"count": 2}, True),  # people counted
        ({"present": True}, True),  # presence seen
        ({"count": 0}, False),  # an empty room is not presence
    ],
)
def test_presence_between_looks_at_readings_in_the_window(make_sensor, record, now, values, expected):
    sensor = make_sensor()
    record(sensor, now - timedelta(minutes=30), **values)
    space_id = _space("showroom").id
    assert readings.presence_between(space_id, now - timedelta(hours=1), now) is expected
    assert readings.presence_between(space_id, now - timedelta(minutes=20), now) is False  # outside


def test_event_stream_sends_the_current_states_then_each_change(app, live_server, make_sensor, record, now):
    app.config["OCCUPANCY_STREAM_POLL_SECONDS"] = 0.1
    sensor = make_sensor()
    spaces = len(_active_spaces())
    db.session.rollback()  # on SQLite, an open transaction would keep the stream from reading
    with requests.get(f"{live_server}/api/v1/sites/la-coque/occupancy/stream", stream=True, timeout=20) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        events = _events(response.iter_lines(decode_unicode=True))
        first = {event["space"]: event for event in _take(events, spaces)}
        assert first["showroom"]["state"] == "unknown"
        record(sensor, now, count=4)
        change = next(events)
        assert change == change | {"site": "la-coque", "space": "showroom", "count": 4, "state": "occupied"}
        assert change["fresh"] is True


def _stream(server: str, site: str = "la-coque", headers: dict | None = None):
    return requests.get(f"{server}/api/v1/sites/{site}/occupancy/stream", stream=True, timeout=20, headers=headers)


@pytest.fixture
def staff_headers(auth, staff) -> dict:
    headers = auth(staff)
    db.session.rollback()  # on SQLite, an open transaction would keep the streams from reading
    return headers


def _served_again(server: str, deadline: float = 10.0, headers: dict | None = None) -> int:
    """The status of the first stream answered other than 503 (or the last 503), waiting for a slot."""
    import time

    give_up = time.monotonic() + deadline
    while True:
        with _stream(server, headers=headers) as response:
            if response.status_code != 503 or time.monotonic() > give_up:
                return response.status_code
        time.sleep(0.05)  # the server frees a slot when it next writes to the gone client


def test_a_worker_serves_only_so_many_streams_and_points_the_others_to_polling(app, live_server, staff_headers):
    """An open stream holds a worker thread: beyond the cap a stream is refused, so that every
    other request still finds a thread. A slot is free again once its client has gone."""
    app.config.update(WEB_LIVE_STREAMS=2, OCCUPANCY_STREAM_POLL_SECONDS=0.05, OCCUPANCY_STREAM_KEEPALIVE_SECONDS=0.1)
    first = _stream(live_server, headers=staff_headers)
    second = _stream(live_server, "chateau-des-baumes", headers=staff_headers)
    with first, second:
        assert (first.status_code, second.status_code) == (200, 200)
        with _stream(live_server, headers=staff_headers) as third:
            assert third.status_code == 503
            assert third.headers["Content-Type"] == "application/problem+json"
            assert int(third.headers["Retry-After"]) > 0
            assert third.json()["poll"] == "/api/v1/sites/la-coque/occupancy"
        assert requests.get(f"{live_server}/api/v1/sites/la-coque/occupancy", timeout=5).status_code == 200
    assert _served_again(live_server, headers=staff_headers) == 200


def test_anonymous_streams_have_slots_of_their_own_and_cannot_take_staffs(app, live_server, staff_headers):
    """Door displays and visitors stream without a token: however many come, staff's pages still stream."""
    app.config.update(
        WEB_LIVE_STREAMS=1, WEB_LIVE_PUBLIC_STREAMS=1,
        OCCUPANCY_STREAM_POLL_SECONDS=0.05, OCCUPANCY_STREAM_KEEPALIVE_SECONDS=0.1,
    )  # fmt: skip
    with _stream(live_server) as door:
        assert door.status_code == 200
        with _stream(live_server) as visitor:
            assert visitor.status_code == 503  # the public's slots are taken...
            assert visitor.json()["poll"] == "/api/v1/sites/la-coque/occupancy"
        with _stream(live_server, headers=staff_headers) as staff_page:
            assert staff_page.status_code == 200  # ...not staff's


def test_a_stream_refuses_a_bad_token_before_taking_a_slot(app, client):
    app.config.update(WEB_LIVE_PUBLIC_STREAMS=0)  # no slot at all: a 503 would mean the token was not looked at
    response = client.get("/api/v1/sites/la-coque/occupancy/stream", headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_stream_ends_after_its_time_and_hands_its_slot_on(app, live_server, staff_headers):
    app.config.update(WEB_LIVE_STREAMS=1, OCCUPANCY_STREAM_POLL_SECONDS=0.05, OCCUPANCY_STREAM_SECONDS=0.3)
    with _stream(live_server, headers=staff_headers) as response:
        assert response.status_code == 200
        lines = list(response.iter_lines(decode_unicode=True))  # ends: the server closed it
    assert lines[0] == "retry: 3000"
    # the server hands the slot back as it closes the stream
    assert _served_again(live_server, headers=staff_headers) == 200


def test_a_single_threaded_worker_serves_no_stream(app, client):
    app.config["WEB_THREADS"] = 1  # a stream would hold its only thread
    assert client.get("/api/v1/sites/la-coque/occupancy/stream").status_code == 503


def _events(lines):
    kind = None
    for line in lines:
        if line.startswith("event: "):
            kind = line[len("event: ") :]
        elif line.startswith("data: ") and kind == "occupancy":
            yield json.loads(line[len("data: ") :])


def _take(events, n):
    return [next(events) for _ in range(n)]


def _space(slug):
    from booking.services import catalog

    return catalog.get_space("la-coque", slug)


def _active_spaces():
    from booking.services import catalog

    return [space for space in catalog.get_site("la-coque").spaces if space.active]


def test_readings_stored_by_the_fast_path_compare_exactly_with_query_times(make_sensor, record, now):
    sensor = make_sensor()
    on_the_second = now.replace(microsecond=0)  # the time format must not drop ".000000"
    record(sensor, on_the_second, count=1)
    space_id = _space("showroom").id
    assert readings.presence_between(space_id, on_the_second, on_the_second + timedelta(seconds=1)) is True
    assert readings.presence_between(space_id, on_the_second - timedelta(seconds=1), on_the_second) is False


def test_live_occupancy_is_read_while_a_writer_holds_the_database(client, auth, staff, make_sensor, backend):
    """On SQLite, a reading batch being written must not hold back the pages and door displays."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    import sqlite3

    sensor = make_sensor()
    headers = auth(staff)
    assert client.get(f"/api/v1/sensors/{sensor.slug}", headers=headers).status_code == 200  # the token is in use
    db.session.commit()
    writer = sqlite3.connect(db.engine.url.database, timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # what the ingest worker holds while it stores a batch
    try:
        assert client.get("/api/v1/sites/la-coque/occupancy", headers=headers).status_code == 200
        assert client.get("/api/v1/sites/la-coque/spaces/showroom/occupancy", headers=headers).status_code == 200
        assert client.get(f"/api/v1/sensors/{sensor.slug}", headers=headers).status_code == 200
    finally:
        writer.rollback()
        writer.close()
