"""A room's door display in a real Chromium, live from the sensors over a real Mosquitto.

The clock is the real one here (the page, the stream and the ingest worker all use it), so the
test room is open round the clock and its bookings are placed around "now".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pagekit import release_database
from playwright.sync_api import expect
from sensor_support import DEADLINE, Device, eventually, forget_session, unique

from booking.extensions import db

pytestmark = pytest.mark.browser

LANDSCAPE = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}


@pytest.fixture
def ingest_worker(app, mqtt_broker):
    """The real ingest worker, in process, subscribed to the test broker."""
    from sensors.ingest import IngestWorker

    client_id = unique("ingest")
    worker = IngestWorker(app, url=mqtt_broker.url, client_id=client_id).start()
    assert worker.connected.wait(DEADLINE) and worker.subscribed.wait(DEADLINE), "the worker did not start"
    yield worker
    worker.stop()
    forget_session(mqtt_broker, client_id)


@pytest.fixture
def device(mqtt_broker):
    publisher = Device(mqtt_broker)
    yield publisher
    publisher.close()


@pytest.fixture
def door_room(app, make_space):
    """``door_room(slug, **rules)`` -> a meeting room open round the clock that takes walk-ins."""

    def make(slug: str = "door-room", **overrides):
        overrides.setdefault("walk_ins", True)
        overrides.setdefault("min_minutes", 15)
        space = make_space(slug, **overrides)
        name = space.name
        release_database()
        return name

    return make


@pytest.fixture
def booked_now(customer):
    """``booked_now(slug, started=5, lasting=55)`` -> a confirmed booking of the room that began minutes ago."""
    from booking.services import bookings

    def make(slug: str = "door-room", started: int = 5, lasting: int = 55, title: str = "Kick-off"):
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=started)
        req = bookings.BookingRequest("la-coque", slug, start, start + timedelta(minutes=lasting), title, 4)
        booking_id = bookings.book(customer, req, now=start - timedelta(minutes=1)).id
        release_database()
        return booking_id

    return make


@pytest.fixture
def presence_sensor(app):
    """``presence_sensor(slug)`` -> the topic of a presence sensor registered in the room."""
    from booking.services import sensors

    def make(slug: str = "door-room") -> str:
        sensor = sensors.add_sensor(unique("pir"), site="la-coque", space=slug, kind="presence")
        topic = f"onexp/la-coque/{slug}/{sensor.slug}/occupancy"
        release_database()
        return topic

    return make


@pytest.fixture
def door(browse, app):
    """``door(slug)`` -> a Chromium page showing the room's display, opened with a new display token."""
    from booking.services import displays

    def open_door(slug: str = "door-room", *, lobby: bool = False):
        token, _record = displays.create_display("la-coque", None if lobby else slug, name="test")
        release_database()
        page = browse(**LANDSCAPE)
        page.goto(f"/display/la-coque{'' if lobby else '/' + slug}?token={token}")
        return page

    return open_door


@pytest.fixture
def shots(screenshot):
    """``shots(page, name)``: the display in landscape and in portrait, kept under test-output/."""

    def take(page, name: str) -> None:
        for orientation, size in (("landscape", LANDSCAPE), ("portrait", PORTRAIT)):
            page.set_viewport_size(size)
            screenshot(page, f"display-{name}-{orientation}")
        page.set_viewport_size(LANDSCAPE)

    return take


def panel(page):
    return page.locator("[data-panel] .door-panel")


def publish_presence(device, topic: str, present: bool) -> None:
    device.publish(topic, f'{{"present": {"true" if present else "false"}, "ts": "{datetime.now(UTC).isoformat()}"}}')


def test_presence_over_mqtt_turns_the_waiting_display_in_use_within_two_seconds(
    app, door, shots, door_room, booked_now, presence_sensor, ingest_worker, device
):
    from booking import jobs
    from booking.models import Booking
    from booking.services import catalog, readings

    app.config["OCCUPANCY_STREAM_POLL_SECONDS"] = 0.2  # the stream's own poll of the database
    door_room()
    booking_id = booked_now()
    topic = presence_sensor()
    publish_presence(device, topic, False)  # healthy and empty: the release countdown shows
    space = catalog.get_space("la-coque", "door-room")
    eventually(lambda: readings.live_occupancy(space)["health"] == "healthy")
    page = door()
    expect(panel(page)).to_have_attribute("data-state", "waiting")
    expect(panel(page)).to_contain_text("Réservé — en attente d’arrivée")
    expect(panel(page)).to_contain_text("sans arrivée")
    expect(page.get_by_role("button", name="Signaler l’arrivée")).to_be_visible()
    shots(page, "waiting")

    publish_presence(device, topic, True)
    expect(panel(page)).to_have_attribute("data-state", "in_use", timeout=2000)
    expect(panel(page)).to_contain_text("Occupé")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
    shots(page, "in-use")

    # and the scheduler checks the booking in by presence, as it always did
    assert jobs.check_in_by_presence(datetime.now(UTC)) == {"checked_in": 1}
    db.session.expire_all()
    assert db.session.get(Booking, booking_id).checked_in_at is not None
    release_database()
