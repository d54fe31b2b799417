"""Door displays: free / booked / occupied, current and next booking, titles only where allowed."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sensor_support import DEADLINE, unique

from booking.services import bookings, doors, readings
from booking.services.bookings import BookingRequest
from booking.services.readings import Batch, SensorReading


@pytest.fixture
def room(make_space):
    return make_space(unique("room"))


@pytest.fixture
def booked(room, customer, make_org, now):
    """``booked(start_in, hours, share_titles=False)`` books `room` for acme, as seen from `now`."""

    def book(start_in: timedelta, hours: int = 1, *, share_titles: bool = False):
        make_org("acme").share_titles = share_titles
        start = (now + start_in).replace(second=0, microsecond=0)
        request = BookingRequest(room.site.slug, room.slug, start, start + timedelta(hours=hours), "Board meeting", 5)
        return bookings.book(customer, request, now=start - timedelta(minutes=1))

    return book


def state_of(room, now) -> dict:
    return doors.door_states(now, {room.id})[0]


def test_a_space_without_booking_or_people_is_free(room, now):
    assert state_of(room, now) == state_of(room, now) | {"state": "free", "current": None, "next": None}


def test_a_booked_space_hides_the_title_unless_the_company_shares_it(room, booked, now):
    booked(timedelta(minutes=-30), hours=2)
    state = state_of(room, now)
    assert state["state"] == "booked"
    assert state["current"]["title"] is None


def test_a_company_that_shares_titles_has_them_on_the_door(room, booked, now):
    booked(timedelta(hours=2), share_titles=True)
    assert state_of(room, now)["next"]["title"] == "Board meeting"


def test_people_seen_make_the_space_occupied_booked_or_not(room, make_sensor, now):
    sensor = make_sensor(site=room.site.slug, space=room.slug, kind="presence")
    readings.record_readings(Batch(readings=[SensorReading(sensor.id, now, now, present=True)]), now)
    assert state_of(room, now)["state"] == "occupied"


def first_state(broker, topic: str, wanted) -> tuple[dict, bool]:
    """The first state on `topic` for which `wanted(state)` holds, and whether it came retained."""
    found: list = []
    seen = threading.Event()

    def on_message(_client, _userdata, message):
        state = json.loads(message.payload)
        if not seen.is_set() and wanted(state):
            found.append((state, message.retain))
            seen.set()

    listener = mqtt.Client(CallbackAPIVersion.VERSION2)
    listener.on_message = on_message
    listener.on_connect = lambda client, *_: client.subscribe(topic, 1)
    listener.connect(broker.host, broker.port)
    listener.loop_start()
    try:
        assert seen.wait(DEADLINE), f"no such state on {topic}"
    finally:
        listener.disconnect()
        listener.loop_stop()
    return found[0]


@pytest.mark.mqtt
def test_the_worker_publishes_the_state_retained_after_a_reading(
    room, make_sensor, start_worker, device, mqtt_broker, now
):
    sensor = make_sensor(site=room.site.slug, space=room.slug)
    topic = f"onexp/{sensor.site}/{sensor.space}/state"
    start_worker()
    device.reading(sensor, count=3, ts=now)
    state, _ = first_state(mqtt_broker, topic, lambda state: state["count"] == 3)
    assert state["state"] == "occupied"
    # A door display that reboots gets it at once: the state is retained.
    assert first_state(mqtt_broker, topic, lambda state: True) == (state, True)
