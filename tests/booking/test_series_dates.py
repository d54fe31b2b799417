"""One date of a series, or the series from a date on: moved, re-titled or cancelled, the others untouched."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from clock import iso, next_dst_sunday, paris


@pytest.fixture
def series(client, auth, customer, monday):
    """``series(count=4, start=monday)`` books Salle Calanques weekly 10-11 -> the dates, soonest first."""

    def book(count: int = 4, start=None) -> list[dict]:
        day = start or monday
        body = {
            "site": "la-coque", "space": "salle-calanques", "title": "Point hebdo", "attendees": 4,
            "start": iso(paris(day, 10)), "end": iso(paris(day, 11)), "rrule": f"FREQ=WEEKLY;COUNT={count}",
        }  # fmt: skip
        response = client.post("/api/v1/bookings", json=body, headers=auth(customer))
        assert response.status_code == 201, response.json
        return response.json["series"]["occurrences"]

    return book


@pytest.fixture
def api(client, auth, customer):
    """``api.patch(booking, **changes)`` (with its If-Match), ``api.cancel(booking, **body)``, ``api.dates()``."""
    headers = auth(customer)

    class Api:
        def patch(self, booking: dict, **changes):
            etag = client.get(f"/api/v1/bookings/{booking['id']}", headers=headers).headers["ETag"]
            return client.patch(
                f"/api/v1/bookings/{booking['id']}", json=changes, headers=headers | {"If-Match": etag}
            )

        def cancel(self, booking: dict, **body):
            return client.post(f"/api/v1/bookings/{booking['id']}/cancel", json=body, headers=headers)

        def dates(self) -> list[tuple[str, str, str, str, int]]:
            """Every booking as (start, title, status, end, version), soonest first."""
            listed = client.get("/api/v1/bookings", headers=headers).json
            return [(b["start"], b["title"], b["status"], b["end"], b["version"]) for b in listed]

    return Api()


def test_moving_one_date_leaves_the_others_as_they_were(series, api, monday):
    dates = series()
    before = api.dates()
    second = monday + timedelta(weeks=1)
    response = api.patch(dates[1], start=iso(paris(second, 14)), end=iso(paris(second, 15)))
    assert response.status_code == 200, response.json
    after = api.dates()
    assert [after[i] for i in (0, 2, 3)] == [before[i] for i in (0, 2, 3)]
    assert after[1][:2] == (iso(paris(second, 14)), "Point hebdo") and after[1][4] == 2


def test_retitling_from_a_date_on_retitles_that_date_and_the_later_ones_only(series, api):
    dates = series()
    response = api.patch(dates[1], title="Point mensuel", scope="following")
    assert response.status_code == 200, response.json
    assert [title for _start, title, *_rest in api.dates()] == ["Point hebdo"] + ["Point mensuel"] * 3
    assert [version for *_rest, version in api.dates()] == [1, 2, 2, 2]


def test_moving_from_a_date_on_moves_each_later_date_by_the_same_shift_on_the_clock(series, api, monday):
    spring = next_dst_sunday(3)  # clocks go forward between the second and the third date
    first = spring - timedelta(days=13)
    dates = series(start=first)
    response = api.patch(
        dates[1], start=iso(paris(first + timedelta(weeks=1), 11)), end=iso(paris(first + timedelta(weeks=1), 12, 30)),
        scope="following",
    )  # fmt: skip
    assert response.status_code == 200, response.json
    expected = [paris(first, 10)] + [paris(first + timedelta(weeks=w), 11) for w in (1, 2, 3)]
    starts = [datetime.fromisoformat(start) for start, *_rest in api.dates()]
    assert starts == expected  # 11:00 in winter and in summer alike
    ends = [datetime.fromisoformat(end) for *_rest, end, _version in api.dates()]
    assert [end - start for start, end in zip(starts, ends, strict=True)] == [timedelta(hours=1)] + [
        timedelta(hours=1, minutes=30)
    ] * 3


def test_a_move_that_would_land_one_date_in_a_taken_slot_moves_none_and_names_that_date(
    series, api, client, auth, make_user, monday
):
    dates = series()
    third = monday + timedelta(weeks=2)
    rival = {
        "site": "la-coque", "space": "salle-calanques", "title": "Rival", "attendees": 2,
        "start": iso(paris(third, 14)), "end": iso(paris(third, 15)),
    }  # fmt: skip
    rival_headers = auth(make_user("customer", org="rival"))
    assert client.post("/api/v1/bookings", json=rival, headers=rival_headers).status_code == 201
    before = api.dates()
    second = monday + timedelta(weeks=1)
    response = api.patch(dates[1], start=iso(paris(second, 14)), end=iso(paris(second, 15)), scope="following")
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.json["code"] == "dates_not_free"
    assert [c["date"] for c in response.json["conflicts"]] == [third.isoformat()]
    assert api.dates() == before


def test_cancelling_one_date_cancels_that_date_alone(series, api):
    dates = series()
    assert api.cancel(dates[2]).status_code == 200
    assert [status for _s, _t, status, *_rest in api.dates()] == ["confirmed", "confirmed", "cancelled", "confirmed"]


def test_cancelling_from_a_date_on_cancels_that_date_and_the_later_ones(series, api):
    dates = series()
    response = api.cancel(dates[1], scope="following", reason="fin du projet")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "cancelled"
    assert [status for _s, _t, status, *_rest in api.dates()] == ["confirmed"] + ["cancelled"] * 3


def test_from_this_date_on_needs_a_series(api, client, auth, customer, monday):
    body = {
        "site": "la-coque", "space": "salle-calanques", "title": "Once", "attendees": 2,
        "start": iso(paris(monday, 10)), "end": iso(paris(monday, 11)),
    }  # fmt: skip
    once = client.post("/api/v1/bookings", json=body, headers=auth(customer)).json
    for response in (api.cancel(once, scope="following"), api.patch(once, title="Twice", scope="following")):
        assert response.status_code == 422
        assert [(e["field"], e["code"]) for e in response.json["errors"]] == [("scope", "not_in_series")]


def test_another_company_cannot_change_the_series(series, client, auth, make_user):
    dates = series()
    rival = auth(make_user("customer", org="rival"))
    response = client.post(f"/api/v1/bookings/{dates[1]['id']}/cancel", json={"scope": "following"}, headers=rival)
    assert response.status_code == 404


def test_the_audit_trail_says_the_change_came_from_the_date_it_was_made_on(series, api, client, auth, customer):
    dates = series()
    api.patch(dates[1], title="Point mensuel", scope="following")
    events = client.get(f"/api/v1/bookings/{dates[3]['id']}/events", headers=auth(customer)).json
    assert events[-1]["action"] == "reschedule"
    assert events[-1]["detail"]["scope"] == "following" and events[-1]["detail"]["from_booking"] == dates[1]["id"]
    assert events[-1]["detail"]["title"] == {"from": "Point hebdo", "to": "Point mensuel"}


def test_in_every_calendar_only_the_changed_dates_change_and_each_keeps_its_uid(series, api, client, customer, monday):
    """Each date is its own event: a changed date is the same UID with a higher SEQUENCE, the others are untouched."""
    from icskit import read_everywhere, rfc5545_problems, versions_everywhere

    from booking.services import feeds

    token, _record = feeds.create_feed(customer, "organisation")
    dates = series()
    uids = [f"booking-{d['id']}@onexperience" for d in dates]
    before = client.get(f"/feeds/{token}.ics").data
    second = monday + timedelta(weeks=1)
    api.patch(dates[1], start=iso(paris(second, 14)), end=iso(paris(second, 15)))  # this date only
    api.patch(dates[2], title="Point mensuel", scope="following")
    api.cancel(dates[3])
    after = client.get(f"/feeds/{token}.ics").data
    assert rfc5545_problems(after) == []

    for reader, (was, now) in versions_everywhere(before, after).items():
        assert set(was) == set(now) == set(uids), reader  # no date added, none lost
        assert now[uids[0]] == was[uids[0]] == (1, "Point hebdo", "CONFIRMED"), reader
        assert now[uids[1]] == (2, "Point hebdo", "CONFIRMED"), reader
        assert now[uids[2]] == (2, "Point mensuel", "CONFIRMED"), reader
        assert now[uids[3]] == (3, "Point mensuel", "CANCELLED"), reader  # re-titled, then cancelled
    for reader, (was, now) in read_everywhere(before, after).items():
        assert now[uids[1]] == (paris(second, 14), paris(second, 15)), reader
        assert {uid: now[uid] for uid in uids if uid != uids[1]} == {uid: was[uid] for uid in uids if uid != uids[1]}
