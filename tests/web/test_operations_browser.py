"""In a real Chromium: staff deal with an alert, check their sensors and read the utilization charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pagekit import release_database, sign_in_browser
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_staff_acknowledge_then_resolve_an_alert(browse, screenshot, staff, app):
    from booking.services import alerts, catalog

    alerts.raise_alert("over_capacity", catalog.get_space("la-coque", "salle-calanques"), message="14 for 12")
    alerts.raise_alert("sensor_offline", catalog.get_space("la-coque", "showroom"), message="silent")
    release_database()
    page = browse()
    sign_in_browser(page, staff)
    page.get_by_role("link", name="Alertes").click()
    row = page.locator("tr", has_text="Capacité dépassée")
    expect(row).to_contain_text("Levée")
    screenshot(page, "staff-alerts")
    row.get_by_role("button", name="Prendre en charge").click()
    expect(page.get_by_role("status").first).to_contain_text("Alerte prise en charge.")
    row = page.locator("tr", has_text="Capacité dépassée")
    expect(row).to_contain_text("Prise en charge")
    row.get_by_role("button", name="Résoudre").click()
    expect(page.locator("tr", has_text="Capacité dépassée")).to_have_count(0)
    expect(page.locator("tr", has_text="Capteur hors ligne")).to_have_count(1)


def test_staff_see_which_sensors_report(browse, screenshot, staff, app):
    from booking.services import readings, sensors

    counter = sensors.add_sensor("counter-calanques", site="la-coque", space="salle-calanques")
    sensors.add_sensor("pir-showroom", site="la-coque", space="showroom", kind="presence")
    now = datetime.now(UTC)
    readings.record_readings(
        readings.Batch(readings=[readings.SensorReading(counter.id, now, now, count=5, battery=12)]), now
    )
    release_database()
    page = browse()
    sign_in_browser(page, staff)
    page.get_by_role("link", name="Capteurs").click()
    expect(page.locator('tr[data-sensor="counter-calanques"]')).to_contain_text("En ligne")
    expect(page.locator('tr[data-sensor="pir-showroom"]')).to_contain_text("Jamais")
    screenshot(page, "staff-sensors")


def test_staff_read_booked_against_used_and_the_busy_hours(
    browse, screenshot, staff, customer, make_user, make_booking, monday
):
    rival = make_user("customer", org="rival")
    make_booking(customer, "salle-calanques", 10, 12, day=monday)
    make_booking(customer, "salle-calanques", 14, 18, day=monday + timedelta(days=1), title="Workshop")
    make_booking(rival, "salle-frioul", 9, 11, day=monday + timedelta(days=2), title="Board", attendees=6)
    release_database()
    page = browse()
    sign_in_browser(page, staff)
    page.goto(f"/staff/utilization/?start={monday.isoformat()}&end={(monday + timedelta(days=6)).isoformat()}")
    expect(page.locator("#chart-spaces svg")).to_be_visible()
    expect(page.locator('tr[data-row="la-coque/salle-calanques"]')).to_contain_text("6,0 h")
    expect(page.locator('tr[data-row="rival"]')).to_contain_text("2,0 h")
    screenshot(page, "staff-utilization")
