"""Staff narrow the alerts and the sensors to one site."""

from __future__ import annotations

import pytest

from booking.services import alerts, catalog, sensors


@pytest.fixture
def staff_in(client, sign_in, staff):
    sign_in(staff)
    return staff


def test_alerts_filter_by_site(client, staff_in):
    alerts.raise_alert("over_capacity", catalog.get_space("la-coque", "salle-calanques"), message="14 for 12")
    alerts.raise_alert("over_capacity", catalog.get_space("chateau-des-baumes", "salle-etang"), message="70 for 60")
    page = client.get("/staff/alerts/?site=chateau-des-baumes").get_data(as_text=True)
    assert "Salle de l'Étang" in page or "Salle de l&#39;Étang" in page
    assert "Salle Calanques" not in page
    assert 'aria-current="page">Château des Baumes</a>' in page
    everything = client.get("/staff/alerts/").get_data(as_text=True)
    assert "Salle Calanques" in everything


def test_sensors_filter_by_site(client, staff_in):
    sensors.add_sensor("pir-calanques", site="la-coque", space="salle-calanques", kind="presence")
    sensors.add_sensor("pir-etang", site="chateau-des-baumes", space="salle-etang", kind="presence")
    page = client.get("/staff/sensors/?site=la-coque").get_data(as_text=True)
    assert 'data-sensor="pir-calanques"' in page and 'data-sensor="pir-etang"' not in page
    assert "Parc du château" not in page  # the spaces without a sensor, of that site only
    assert 'data-sensor="pir-etang"' in client.get("/staff/sensors/").get_data(as_text=True)
