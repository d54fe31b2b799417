"""Staff pages for the day's operations: alerts, sensor health, utilization; closed to companies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from clock import paris

from booking.extensions import db

STAFF_PAGES = ["/staff/alerts/", "/staff/sensors/", "/staff/utilization/"]


@pytest.fixture
def over_capacity(app):
    """An alert raised in the Salle Calanques: too many people."""
    from booking.services import alerts, catalog

    space = catalog.get_space("la-coque", "salle-calanques")
    alert, _ = alerts.raise_alert("over_capacity", space, message="14 people for 12")
    return alert.id


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_companies_are_refused_the_operations_pages(client, sign_in, customer, url):
    sign_in(customer)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_strangers_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_open_each_operations_page_in_french_and_english(client, sign_in, post_form, staff, url):
    sign_in(staff)
    assert 'lang="fr"' in client.get(url).get_data(as_text=True)
    post_form(url, "/language", lang="en", next=url)
    assert 'lang="en"' in client.get(url).get_data(as_text=True)


def test_staff_see_an_open_alert_with_its_word_not_only_its_colour(client, sign_in, staff, over_capacity):
    sign_in(staff)
    page = client.get("/staff/alerts/").get_data(as_text=True)
    assert "Capacité dépassée" in page
    assert "Levée" in page  # the status in words
    assert "Salle Calanques" in page


def test_acknowledging_then_resolving_an_alert(client, sign_in, post_form, staff, over_capacity):
    from booking.models import Alert

    sign_in(staff)
    post_form("/staff/alerts/", f"/staff/alerts/{over_capacity}/acknowledge")
    assert db.session.get(Alert, over_capacity).status == "acknowledged"
    response = post_form("/staff/alerts/", f"/staff/alerts/{over_capacity}/resolve")
    db.session.expire_all()
    assert db.session.get(Alert, over_capacity).status == "resolved"
    assert "Alerte résolue." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aucune alerte ouverte." in client.get("/staff/alerts/").get_data(as_text=True)


def test_acknowledging_twice_says_someone_dealt_with_it(client, sign_in, post_form, staff, over_capacity):
    sign_in(staff)
    post_form("/staff/alerts/", f"/staff/alerts/{over_capacity}/acknowledge")
    response = post_form("/staff/alerts/", f"/staff/alerts/{over_capacity}/acknowledge")
    assert "déjà traité" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_company_cannot_resolve_an_alert(client, sign_in, post_form, customer, staff, over_capacity):
    sign_in(customer)
    assert post_form("/feeds", f"/staff/alerts/{over_capacity}/resolve").status_code == 403


def test_sensor_health_lists_each_sensor_and_the_spaces_without_one(client, sign_in, staff):
    from booking.services import readings, sensors

    sensor = sensors.add_sensor("counter-calanques", site="la-coque", space="salle-calanques")
    sensors.add_sensor("pir-showroom", site="la-coque", space="showroom", kind="presence")
    now = datetime.now(UTC)
    batch = readings.Batch(readings=[readings.SensorReading(sensor.id, now, now, count=4, battery=12)])
    readings.record_readings(batch, now)
    sign_in(staff)
    page = client.get("/staff/sensors/").get_data(as_text=True)
    row = page.split('data-sensor="counter-calanques"')[1].split("</tr>")[0]
    assert "En ligne" in row and "Faible" in row and "12 %" in row
    silent = page.split('data-sensor="pir-showroom"')[1].split("</tr>")[0]
    assert "Muet" in silent and "Jamais" in silent
    assert 'data-uncovered="la-coque/plateau-tv"' in page
    assert 'data-uncovered="la-coque/salle-calanques"' not in page


def test_utilization_shows_booked_hours_per_space_and_company_and_by_hour(
    client, sign_in, staff, customer, make_booking, monday
):
    make_booking(customer, "salle-calanques", 10, 12, day=monday)
    sign_in(staff)
    url = f"/staff/utilization/?start={monday.isoformat()}&end={(monday + timedelta(days=6)).isoformat()}"
    page = client.get(url).get_data(as_text=True)
    assert 'data-row="la-coque/salle-calanques"' in page and "2,0 h" in page
    assert 'data-row="acme"' in page
    assert '<td class="heat-4">60</td>' in page  # Monday 10:00 and 11:00 fully booked
    assert "<svg" in page


def test_utilization_links_to_the_csv_of_the_same_period(client, sign_in, staff, customer, make_booking, monday):
    make_booking(customer, "salle-calanques", 10, 12, day=monday)
    sign_in(staff)
    day = monday.isoformat()
    page = client.get(f"/staff/utilization/?start={day}&end={day}").get_data(as_text=True)
    link = page.split('href="')[1:]
    csv_url = next(part.split('"')[0] for part in link if "format=csv" in part).replace("&amp;", "&")
    response = client.get(csv_url)
    assert response.mimetype == "text/csv"
    assert "la-coque/salle-calanques" in response.get_data(as_text=True)


def test_a_backwards_period_is_said_not_crashed(client, sign_in, staff, monday):
    sign_in(staff)
    day = monday.isoformat()
    page = client.get(f"/staff/utilization/?start={day}&end=2020-01-01").get_data(as_text=True)
    assert 'role="alert"' in page


def test_hours_are_split_in_the_sites_time():
    from zoneinfo import ZoneInfo

    from booking.services.usage_hours import split_by_hour

    monday = paris(datetime(2026, 11, 30).date(), 9, 30)
    minutes = split_by_hour(monday, monday + timedelta(hours=2), ZoneInfo("Europe/Paris"))
    assert minutes == {(0, 9): 30, (0, 10): 60, (0, 11): 30}
