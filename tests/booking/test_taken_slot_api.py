"""A taken slot's 409 suggests what is free instead: the same space at other times, other spaces then."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from clock import iso, paris


@pytest.fixture
def taken(client, auth, make_user, monday):
    """Rival holds Salle Calanques on Monday 10-12 (its teardown keeps it until 12:15)."""
    body = {
        "site": "la-coque", "space": "salle-calanques", "title": "Rival", "attendees": 6,
        "start": iso(paris(monday, 10)), "end": iso(paris(monday, 12)),
    }  # fmt: skip
    rival = auth(make_user("customer", org="rival"))
    assert client.post("/api/v1/bookings", json=body, headers=rival).status_code == 201
    return body


def ask(client, headers, monday, **fields):
    body = {
        "site": "la-coque", "space": "salle-calanques", "title": "Kick-off", "attendees": 8,
        "start": iso(paris(monday, 10)), "end": iso(paris(monday, 12)),
    } | fields  # fmt: skip
    return client.post("/api/v1/bookings", json=body, headers=headers)


def test_the_409_suggests_other_times_of_the_space_and_other_spaces_with_their_quotes(
    client, auth, customer, taken, monday
):
    response = ask(client, auth(customer), monday)
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "space_taken"
    found = response.json["alternatives"]
    times = [a for a in found if a["kind"] == "other_time"]
    spaces = [a for a in found if a["kind"] == "other_space"]
    assert times and spaces
    busy = (paris(monday, 10), paris(monday, 12, 15))
    for alternative in times:
        start, end = datetime.fromisoformat(alternative["start"]), datetime.fromisoformat(alternative["end"])
        assert alternative["space"] == "salle-calanques" and end - start == timedelta(hours=2)
        assert not (start < busy[1] and busy[0] < end + timedelta(minutes=15)), alternative  # teardown included
    assert datetime.fromisoformat(times[0]["start"]).date() == monday  # that day first
    assert {a["site"] for a in spaces} == {"la-coque"} and "salle-calanques" not in {a["space"] for a in spaces}
    assert all((a["start"], a["end"]) == (iso(paris(monday, 10)), iso(paris(monday, 12))) for a in spaces)
    incl = [a["quote"]["incl_vat"] for a in spaces]
    assert incl == sorted(incl, key=float)  # cheapest first
    assert times[0]["quote"] == {
        "excl_vat": "120.00", "vat": "24.00", "incl_vat": "144.00", "vat_rate": "0.20", "currency": "EUR",
        "lines": [f"{monday.isoformat()}: 2 h"],
    }  # fmt: skip


def test_each_suggestion_can_be_booked_as_it_is(client, auth, customer, taken, monday):
    headers = auth(customer)
    found = ask(client, headers, monday).json["alternatives"]
    first_time = next(a for a in found if a["kind"] == "other_time")
    first_space = next(a for a in found if a["kind"] == "other_space")
    for alternative in (first_time, first_space):
        picked = {key: alternative[key] for key in ("site", "space", "start", "end")}
        assert ask(client, headers, monday, **picked).status_code == 201, alternative


def test_spaces_too_small_for_the_group_are_not_suggested(client, auth, customer, taken, monday):
    found = ask(client, auth(customer), monday, attendees=12).json["alternatives"]
    assert "salle-frioul" not in {a["space"] for a in found}  # 8 seats


def test_a_series_that_is_taken_answers_with_its_dates_not_with_suggestions(client, auth, customer, taken, monday):
    response = ask(client, auth(customer), monday, rrule="FREQ=WEEKLY;COUNT=2")
    assert response.status_code == 409
    assert "alternatives" not in response.json
