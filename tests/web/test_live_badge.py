"""End to end: a sensor publishes over MQTT and the open calendar's badge changes without a reload."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pagekit import release_database, sign_in_browser
from playwright.sync_api import expect
from sensor_support import DEADLINE, Device, eventually, forget_session, unique

from booking.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def counter_in_calanques(app):
    """A people counter registered in La Coque's Salle Calanques."""
    from booking.services import sensors

    sensor = sensors.add_sensor(unique("counter"), site="la-coque", space="salle-calanques", kind="counter")
    slug = sensor.slug
    release_database()
    return slug


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


def test_a_count_published_by_a_sensor_turns_the_badge_occupied_on_the_open_calendar(
    browse, screenshot, staff, counter_in_calanques, ingest_worker, device
):
    from booking.services import catalog, readings

    page = browse()
    sign_in_browser(page, staff)
    page.goto("/staff/calendar/la-coque")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
    badge = page.locator('.occupancy[data-space="salle-calanques"]')
    expect(badge).to_have_text("– Aucune donnée en direct")  # registered, silent so far
    expect(page.locator('.occupancy[data-space="showroom"]')).to_have_text("– Aucune donnée en direct")
    screenshot(page, "live-badge-before")

    topic = f"onexp/la-coque/salle-calanques/{counter_in_calanques}/occupancy"
    device.publish(topic, f'{{"count": 6, "ts": "{datetime.now(UTC).isoformat()}"}}')
    # the worker has stored it: from here on only the page's stream can make the badge change
    eventually(lambda: readings.live_occupancy(catalog.get_space("la-coque", "salle-calanques"))["count"] == 6)
    db.session.commit()

    expect(badge).to_have_text("● Occupé · 6 présents", timeout=DEADLINE * 1000)
    expect(badge).to_have_attribute("data-state", "occupied")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
    screenshot(page, "live-badge-after")
