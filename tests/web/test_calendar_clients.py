"""Feeds and .ics downloads give the API's times in every calendar app, all year.

Each case books through the API, then reads the organisation's feed and each booking's
download with three independent readers (icalendar, vobject, Mozilla's ical.js: see icskit)
and compares every event's start and end with the instants the API answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clock import PARIS, iso, next_dst_sunday, next_in_month
from icskit import read_everywhere, rfc5545_problems

SPRING, AUTUMN = next_dst_sunday(3), next_dst_sunday(10)


def at(day, hh: int, mm: int = 0, *, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=PARIS, fold=fold)


# name: (space, start, end, rrule); the sites file opens salle-dimanche on Sundays, studio-nuit all night
CASES = {
    "spring change Sunday at 09:00": ("salle-dimanche", at(SPRING, 9), at(SPRING, 10), None),
    "autumn change Sunday at 09:00": ("salle-dimanche", at(AUTUMN, 9), at(AUTUMN, 10), None),
    "a Tuesday in July": ("salle-dimanche", at(next_in_month(7, 1), 14), at(next_in_month(7, 1), 15), None),
    "a Tuesday in January": ("salle-dimanche", at(next_in_month(1, 1), 10), at(next_in_month(1, 1), 12), None),
    "weekly across spring": (
        "salle-dimanche", at(SPRING - timedelta(days=14), 9), at(SPRING - timedelta(days=14), 10, 30),
        "FREQ=WEEKLY;COUNT=4",
    ),
    "weekly across autumn": (
        "salle-dimanche", at(AUTUMN - timedelta(days=14), 9), at(AUTUMN - timedelta(days=14), 10, 30),
        "FREQ=WEEKLY;COUNT=4",
    ),
    "daily across spring": (
        "salle-dimanche", at(SPRING - timedelta(days=2), 9), at(SPRING - timedelta(days=2), 11), "FREQ=DAILY;COUNT=4"
    ),
    "daily across autumn": (
        "salle-dimanche", at(AUTUMN - timedelta(days=2), 9), at(AUTUMN - timedelta(days=2), 11), "FREQ=DAILY;COUNT=4"
    ),
    # 01:30 to 03:30 on the spring Sunday is one hour: 02:00-03:00 never happens
    "through the skipped spring hour": ("studio-nuit", at(SPRING, 1, 30), at(SPRING, 3, 30), None),
    # 02:30 CEST to 02:30 CET: the wall clock shows the same time twice, an hour apart
    "through the repeated autumn hour": ("studio-nuit", at(AUTUMN, 2, 30), at(AUTUMN, 2, 30, fold=1), None),
    # on the change day 02:30 does not exist: that occurrence starts at 03:30 and lasts an hour
    "daily at the skipped hour": (
        "studio-nuit", at(SPRING - timedelta(days=1), 2, 30), at(SPRING - timedelta(days=1), 3, 30),
        "FREQ=DAILY;COUNT=3",
    ),
    # on the change day 02:30 is its first occurrence, and the hour ends at the second 02:30
    "daily at the repeated hour": (
        "studio-nuit", at(AUTUMN - timedelta(days=1), 2, 30), at(AUTUMN - timedelta(days=1), 3, 30),
        "FREQ=DAILY;COUNT=3",
    ),
}  # fmt: skip


@pytest.fixture
def app_settings():
    return {"SITES_FILE": str(Path(__file__).with_name("sunday-sites.toml"))}


@pytest.fixture
def booked(client, auth, customer):
    """``booked(case)`` books a case through the API -> ``{uid: (start, end)}`` as the API says, in UTC."""
    headers = auth(customer)

    def book(case: str) -> dict[str, tuple[datetime, datetime]]:
        space, start, end, rrule = CASES[case]
        body = {"site": "la-coque", "space": space, "start": iso(start), "end": iso(end), "title": case, "attendees": 2}
        response = client.post("/api/v1/bookings", json=body | ({"rrule": rrule} if rrule else {}), headers=headers)
        assert response.status_code == 201, response.get_json()
        answer = response.get_json()
        made = answer["series"]["occurrences"] if rrule else [answer]
        return {
            f"booking-{b['id']}@onexperience": (
                datetime.fromisoformat(b["start"]).astimezone(UTC), datetime.fromisoformat(b["end"]).astimezone(UTC)
            )
            for b in made
        }  # fmt: skip

    return book


@pytest.fixture
def documents(client, sign_in, customer):
    """``documents(expected)`` -> ``[(name, body, what it must show)]``: the feed, then each download."""
    from booking.services import feeds

    token, _record = feeds.create_feed(customer, "organisation")
    sign_in(customer)

    def fetch(expected: dict) -> list[tuple[str, bytes, dict]]:
        found = [("the feed", client.get(f"/feeds/{token}.ics"), expected)]
        for uid, instants in expected.items():
            booking_id = uid.removeprefix("booking-").partition("@")[0]
            found.append((f"the download of {uid}", client.get(f"/bookings/{booking_id}.ics"), {uid: instants}))
        assert [response.status_code for _name, response, _shows in found] == [200] * len(found)
        return [(name, response.data, shows) for name, response, shows in found]

    return fetch


@pytest.mark.parametrize("case", CASES)
def test_feeds_and_downloads_give_the_apis_times_in_every_reader(booked, documents, case):
    fetched = documents(booked(case))
    for name, body, _shows in fetched:
        assert rfc5545_problems(body) == [], name
    for reader, read in read_everywhere(*(body for _name, body, _shows in fetched)).items():
        for (name, _body, shows), found in zip(fetched, read, strict=True):
            assert {uid: found.get(uid) for uid in shows} == shows, f"{reader} reads other times in {name}"


def test_the_api_keeps_the_exact_length_of_the_first_occurrence_across_both_changes(booked):
    for case in ("daily at the skipped hour", "daily at the repeated hour", "weekly across spring"):
        lengths = {end - start for start, end in booked(case).values()}
        assert len(lengths) == 1, f"{case}: occurrences of different lengths {lengths}"
