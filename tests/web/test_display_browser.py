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


def counted_now(slug: str, count: int) -> None:
    """The room's counter reports ``count`` people now, as the ingest worker would store it."""
    from booking.services import readings, sensors
    from booking.services.readings import Batch, SensorReading

    sensor = sensors.add_sensor(unique("counter"), site="la-coque", space=slug, kind="counter")
    moment = datetime.now(UTC)
    readings.record_readings(Batch(readings=[SensorReading(sensor.id, moment, moment, count=count)]), moment)
    release_database()


def test_a_free_room_is_booked_now_at_the_door_and_shows_in_use(door, shots, door_room):
    door_room()
    page = door()
    expect(panel(page)).to_have_attribute("data-state", "free")
    expect(panel(page)).to_contain_text("Libre")
    shots(page, "free")
    page.get_by_role("button", name="30 min").click()
    expect(page.locator("[data-message]")).to_contain_text("Réservé jusqu’à")
    expect(page.locator("[data-message]")).to_have_attribute("data-code", "booked")
    expect(panel(page)).to_have_attribute("data-state", "in_use")
    shots(page, "booked-now")


def test_book_now_that_would_overlap_the_next_booking_is_refused_saying_when(door, shots, door_room, booked_now):
    door_room()
    booked_now(started=-20, lasting=60)  # starts in 20 minutes
    page = door()
    expect(panel(page)).to_contain_text("Libre")
    page.get_by_role("button", name="30 min").click()
    message = page.locator("[data-message]")
    expect(message).to_have_attribute("data-code", "overlaps")
    expect(message).to_contain_text("Pas libre si longtemps : la salle est réservée à partir de")
    shots(page, "refused-overlap")
    page.get_by_role("button", name="15 min").click()  # fits before it
    expect(message).to_have_attribute("data-code", "booked")


def test_book_now_outside_opening_hours_is_refused(door, door_room):
    door_room(opening_hours={})  # closed every day
    page = door()
    expect(panel(page)).to_contain_text("Fermé en ce moment")
    page.get_by_role("button", name="15 min").click()
    expect(page.locator("[data-message]")).to_have_text("Le site est fermé en ce moment.")


def test_a_room_that_takes_no_walk_ins_offers_no_book_now(door, door_room):
    door_room(walk_ins=False)
    page = door()
    expect(panel(page)).to_have_attribute("data-state", "free")
    expect(page.get_by_role("button", name="15 min")).to_have_count(0)


def test_checking_in_at_the_door_puts_the_booking_in_use(door, door_room, booked_now):
    door_room()
    booked_now()
    page = door()
    expect(panel(page)).to_have_attribute("data-state", "waiting")
    page.get_by_role("button", name="Signaler l’arrivée").click()
    expect(page.locator("[data-message]")).to_have_text("Arrivée enregistrée. Bienvenue !")
    expect(panel(page)).to_have_attribute("data-state", "in_use")
    expect(page.get_by_role("button", name="Signaler l’arrivée")).to_have_count(0)


def test_people_counted_without_a_booking_show_in_use_without_a_booking(door, shots, door_room):
    door_room()
    counted_now("door-room", 3)
    page = door()
    expect(panel(page)).to_have_attribute("data-state", "unbooked_use")
    expect(panel(page)).to_contain_text("3 personnes présentes")
    shots(page, "unbooked-use")


def test_offline_sensors_are_said_on_the_door(door, shots, door_room):
    from booking.services import readings, sensors
    from booking.services.readings import Batch, StatusReport

    door_room()
    counted_now("door-room", 3)
    (sensor,) = [s for s in sensors.list_sensors() if s.space.slug == "door-room"]
    moment = datetime.now(UTC)
    readings.record_readings(Batch(statuses=[StatusReport(sensor.id, False, moment)]), moment)
    release_database()
    page = door()
    expect(page.locator("[data-sensors-stale]")).to_contain_text("hors ligne")
    expect(panel(page)).not_to_contain_text("personnes présentes")
    shots(page, "sensors-offline")


def test_without_stream_and_polling_the_display_says_it_is_stale_then_recovers_without_reload(
    app, door, shots, door_room
):
    app.config.update(DISPLAY_POLL_SECONDS=1, DISPLAY_STALE_SECONDS=3, OCCUPANCY_STREAM_SECONDS=2)
    door_room()
    page = door()
    expect(page.locator("main")).to_have_attribute("data-connection", "live")
    # the network drops: the stream (it ends every 2 s here, and cannot come back) and the panel both fail
    page.route("**/occupancy/stream", lambda route: route.abort())
    page.route("**/display/la-coque/door-room?part=panel*", lambda route: route.abort())
    expect(page.locator("main")).to_have_attribute("data-connection", "stale", timeout=10_000)
    expect(page.locator("[data-stale]")).to_be_visible()
    expect(page.locator("[data-stale]")).to_contain_text("Connexion perdue")
    shots(page, "stale")

    page.unroute("**/occupancy/stream")
    page.unroute("**/display/la-coque/door-room?part=panel*")
    expect(page.locator("main")).to_have_attribute("data-connection", "live", timeout=10_000)
    expect(page.locator("[data-stale]")).to_be_hidden()
    with page.expect_request("**/occupancy/stream", timeout=20_000):
        pass  # the stream is asked for again too
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded


def test_a_revoked_display_says_it_is_not_authorised_at_its_next_refresh(app, door, shots, door_room):
    from booking.services import displays

    app.config.update(DISPLAY_POLL_SECONDS=1)
    door_room()
    page = door()
    expect(panel(page)).to_have_attribute("data-state", "free")
    (record,) = displays.list_displays()
    displays.revoke_display(record.id)
    release_database()
    expect(page.locator("[data-refused]")).to_contain_text("Cet affichage n’est pas autorisé", timeout=5000)
    expect(page.get_by_role("button", name="15 min")).to_have_count(0)
    shots(page, "revoked")


def test_another_rooms_token_and_no_token_are_not_authorised(browse, door_room):
    from booking.services import displays

    door_room()
    token, _record = displays.create_display("la-coque", "salle-frioul")
    release_database()
    page = browse(**LANDSCAPE)
    for address in (f"/display/la-coque/door-room?token={token}", "/display/la-coque/door-room"):
        answer = page.goto(address)
        assert answer.status in (401, 403)
        expect(page.locator("[data-refused]")).to_contain_text("Cet affichage n’est pas autorisé")
        expect(page.locator(".door-panel")).to_have_count(0)


def test_a_deploy_makes_the_display_reload_itself(app, door, door_room):
    app.config.update(DISPLAY_POLL_SECONDS=1, BUILD_ID="build-1")
    door_room()
    page = door()
    expect(page.locator("main")).to_have_attribute("data-build", "build-1")
    app.config["BUILD_ID"] = "build-2"
    expect(page.locator("main")).to_have_attribute("data-build", "build-2", timeout=10_000)
    assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "reload"


# Counts the page's timers and streams, so a test can see that nothing accumulates.
COUNT_TIMERS = """
(() => {
  const seen = { intervals: 0, timeouts: new Set(), streams: 0 };
  window.__display = seen;
  const setInterval = window.setInterval, setTimeout = window.setTimeout, clearTimeout = window.clearTimeout;
  window.setInterval = function () { seen.intervals += 1; return setInterval.apply(window, arguments); };
  window.setTimeout = function (callback, ms) {
    const id = setTimeout.call(window, function () { seen.timeouts.delete(id); callback(); }, ms);
    seen.timeouts.add(id);
    return id;
  };
  window.clearTimeout = function (id) { seen.timeouts.delete(id); return clearTimeout.call(window, id); };
  const Source = window.EventSource;
  seen.sources = [];
  window.EventSource = function (url) { const source = new Source(url); seen.sources.push(source); return source; };
  window.EventSource.CLOSED = Source.CLOSED;
})();
"""


def test_the_display_keeps_a_fixed_set_of_timers_and_one_stream_however_long_it_runs(app, door, door_room, browse):
    app.config.update(DISPLAY_POLL_SECONDS=1, OCCUPANCY_STREAM_SECONDS=1)  # the server ends each stream after 1 s
    door_room()
    page = door()
    page.reload()  # the counting script below applies from this load on
    page.context.add_init_script(COUNT_TIMERS)
    page.reload()
    refreshes = 0
    nodes = None
    while refreshes < 8:  # eight refreshes and about as many ends of the stream
        with page.expect_response("**/display/la-coque/door-room?part=panel*", timeout=10_000):
            pass
        refreshes += 1
        count = page.evaluate("document.getElementsByTagName('*').length")
        nodes = nodes or count
        assert count == nodes  # the panel is replaced, never piled up
    seen = page.evaluate(
        "({intervals: __display.intervals, timeouts: __display.timeouts.size,"
        " made: __display.sources.length, open: __display.sources.filter(s => s.readyState !== 2).length})"
    )
    assert seen["intervals"] == 1  # the clock
    assert seen["timeouts"] <= 3  # the next refresh, at most a stream retry and a message
    assert seen["open"] == 1  # one stream at a time
    # EventSource reconnects by itself after each end; a new one only after a refusal (every
    # stream slot of the worker taken, as by the pages reloaded above until the server notices)
    assert seen["made"] <= 3


def test_the_lobby_shows_every_room_of_the_site(door, shots, door_room, booked_now):
    door_room()
    booked_now(title="Kick-off")
    page = door(lobby=True)
    rooms = page.locator(".lobby-room")
    expect(rooms.first).to_be_visible()
    expect(page.locator('.lobby-room[data-room="door-room"]')).to_have_attribute("data-state", "waiting")
    expect(page.locator('.lobby-room[data-room="salle-frioul"]')).to_have_attribute("data-state", "free")
    expect(page.locator(".lobby-events")).to_contain_text("Réservation privée")
    shots(page, "lobby")


# Turns a PNG into grey levels in the page itself (Chromium decodes it): no image library needed.
GREY_LEVELS = """async (png) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const grey = new Array(canvas.width * canvas.height);
  for (let i = 0; i < grey.length; i++) { grey[i] = rgba[4 * i]; }
  return [canvas.width, canvas.height, grey];
}"""


def test_the_doors_qr_code_reads_as_the_spaces_page_in_the_portal(door, door_room, live_server):
    import base64

    import zxingcpp

    door_room()
    page = door()
    for size in (LANDSCAPE, PORTRAIT):
        page.set_viewport_size(size)
        png = page.locator(".door-qr svg").screenshot()  # what the tablet shows, as painted
        width, height, grey = page.evaluate(GREY_LEVELS, base64.b64encode(png).decode())
        found = zxingcpp.read_barcode(memoryview(bytes(grey)).cast("B", (height, width)))
        assert found is not None, f"no QR code read at {size}"
        assert found.text == f"{live_server}/portal/book/la-coque/door-room"
