"""Alerts: raised once per condition, acknowledged and resolved by staff, listed with filters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booking.extensions import db
from booking.models import Alert, OutboxEvent
from booking.services import alerts, catalog

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


@pytest.fixture
def showroom(app):
    return catalog.get_space("la-coque", "showroom")


@pytest.fixture
def raise_alert(showroom):
    def make(kind: str = "in_use_without_booking", space=None, **kwargs):
        return alerts.raise_alert(kind, space or showroom, message="people in the space", now=NOW, **kwargs)[0]

    return make


def test_the_same_condition_is_one_open_alert(showroom):
    first, new = alerts.raise_alert("over_capacity", showroom, now=NOW)
    again, new_again = alerts.raise_alert("over_capacity", showroom, now=NOW)
    assert (new, new_again) == (True, False)
    assert first.id == again.id
    assert db.session.query(Alert).count() == 1


def test_a_resolved_condition_that_returns_is_a_new_alert(showroom, staff):
    first, _ = alerts.raise_alert("over_capacity", showroom, now=NOW)
    alerts.resolve(staff, first.id, now=NOW)
    second, new = alerts.raise_alert("over_capacity", showroom, now=NOW)
    assert new and second.id != first.id


def test_different_spaces_and_kinds_are_different_alerts(raise_alert):
    raise_alert("over_capacity")
    raise_alert("in_use_without_booking")
    raise_alert("over_capacity", space=catalog.get_space("la-coque", "salle-frioul"))
    assert db.session.query(Alert).count() == 3


def test_staff_acknowledge_then_resolve(client, auth, staff, raise_alert):
    alert = raise_alert()
    headers = auth(staff)
    acknowledged = client.post(f"/api/v1/alerts/{alert.id}/acknowledge", headers=headers)
    assert acknowledged.status_code == 200
    assert acknowledged.json["status"] == "acknowledged"
    assert acknowledged.json["acknowledged_by"] == staff.email
    assert client.post(f"/api/v1/alerts/{alert.id}/acknowledge", headers=headers).status_code == 409
    resolved = client.post(f"/api/v1/alerts/{alert.id}/resolve", headers=headers)
    assert resolved.json["status"] == "resolved"
    assert client.post(f"/api/v1/alerts/{alert.id}/resolve", headers=headers).status_code == 409


def test_every_step_of_the_lifecycle_is_an_event(staff, raise_alert):
    alert = raise_alert()
    alerts.acknowledge(staff, alert.id, now=NOW)
    alerts.resolve(staff, alert.id, now=NOW)
    kinds = [e.kind for e in db.session.query(OutboxEvent).order_by(OutboxEvent.id)]
    assert kinds == ["alert.raised", "alert.acknowledged", "alert.resolved"]


def test_alerts_are_for_staff_only(client, auth, customer, raise_alert):
    alert = raise_alert()
    assert client.get("/api/v1/alerts", headers=auth(customer)).status_code == 403
    assert client.post(f"/api/v1/alerts/{alert.id}/acknowledge", headers=auth(customer)).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 3),  # everything
        ("?kind=over_capacity", 1),  # one kind
        ("?status=resolved", 1),  # one status
        ("?open=true", 2),  # raised or acknowledged
        ("?site=la-coque&space=salle-frioul", 1),  # one space
        ("?site=chateau-des-baumes", 0),  # another site
    ],
)
def test_list_filters(client, auth, staff, raise_alert, query, expected):
    raise_alert("over_capacity")
    raise_alert("sensor_offline", space=catalog.get_space("la-coque", "salle-frioul"))
    alerts.resolve(staff, raise_alert("in_use_without_booking").id, now=NOW)
    response = client.get(f"/api/v1/alerts{query}", headers=auth(staff))
    assert response.status_code == 200, response.json
    assert len(response.json) == expected


def test_unknown_kind_filter_is_a_422(client, auth, staff):
    response = client.get("/api/v1/alerts?kind=fire", headers=auth(staff))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "kind"
