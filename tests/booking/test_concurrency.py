"""No double booking, ever: many clients racing for one slot through real HTTP.

The requests go through the ``live_server`` (a real threaded HTTP server), from a pool of
threads released together by a barrier so they really race. On PostgreSQL the exclusion
constraint settles the race; on SQLite the write lock does. Either way the losers get a
409 that explains, and nobody gets a 5xx.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from clock import iso, paris
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking, Space
from booking.services import accounts

THREADS = 32
PER_THREAD = 4  # 128 requests in all


@pytest.fixture
def tokens(app, make_org):
    """``tokens(n)`` -> bearer headers of ``n`` customers, each from a different company."""

    def make(n: int) -> list[dict]:
        headers = []
        for i in range(n):
            make_org(f"company-{i}")
            user = accounts.create_user(f"booker{i}@company-{i}.example", organisation=f"company-{i}")
            token, _ = accounts.create_token(user)
            headers.append({"Authorization": f"Bearer {token}"})
        return headers

    return make


def race(calls: list) -> list[requests.Response]:
    """Run the calls (each taking a requests.Session) from THREADS threads released at once."""
    # end the test's own transaction first: on SQLite even a read holds the write lock
    db.session.rollback()
    shares = [share for share in (calls[i::THREADS] for i in range(THREADS)) if share]
    barrier = threading.Barrier(len(shares))

    def worker(share: list) -> list[requests.Response]:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return [call(session) for call in share]

    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        return [response for answers in pool.map(worker, shares) for response in answers]


def post_booking(live_server: str, headers: dict, body: dict):
    def call(session: requests.Session) -> requests.Response:
        return session.post(f"{live_server}/api/v1/bookings", json=body, headers=headers, timeout=60)

    return call


def active_bookings(space_slug: str) -> int:
    db.session.rollback()  # a fresh snapshot: the server committed in other connections
    query = (
        select(func.count(Booking.id)).join(Space).where(Space.slug == space_slug, Booking.status.in_(ACTIVE_STATUSES))
    )
    return db.session.scalar(query)


def ten_to_noon(monday) -> dict:
    return {
        "site": "la-coque", "space": "salle-calanques", "title": "Race", "attendees": 4,
        "start": iso(paris(monday, 10)), "end": iso(paris(monday, 12)),
    }  # fmt: skip


def test_many_clients_racing_for_one_slot_get_one_booking_and_409s(live_server, tokens, monday):
    people = tokens(8)
    body = ten_to_noon(monday)
    calls = [post_booking(live_server, people[i % len(people)], body) for i in range(THREADS * PER_THREAD)]

    answers = Counter(response.status_code for response in race(calls))

    assert answers == {201: 1, 409: THREADS * PER_THREAD - 1}
    assert active_bookings("salle-calanques") == 1


def test_many_clients_racing_for_a_slot_a_lapsed_hold_still_sits_on_get_one_booking_and_409s(
    live_server, tokens, customer, monday
):
    """Every request finds the lapsed hold in its way and expires it: the race is also over that hold."""
    from booking.services import bookings
    from booking.services.bookings import BookingRequest

    request = BookingRequest("la-coque", "salle-calanques", paris(monday, 10), paris(monday, 12), "Maybe", 4)
    held = bookings.book(customer, request, hold=True)
    held.hold_expires_at = paris(monday, 8) - timedelta(days=30)  # lapsed; the scheduler has not run yet
    db.session.commit()
    people = tokens(16)
    body = ten_to_noon(monday)
    calls = [post_booking(live_server, people[i % len(people)], body) for i in range(THREADS * PER_THREAD)]

    answers = Counter(response.status_code for response in race(calls))

    assert answers == {201: 1, 409: THREADS * PER_THREAD - 1}
    assert active_bookings("salle-calanques") == 1
    assert db.session.get(Booking, held.id).status == "expired"


def test_overlapping_but_different_slots_from_different_companies_yield_one_booking(live_server, tokens, monday):
    people = tokens(16)
    calls = []
    for i in range(THREADS * PER_THREAD):
        # starts a minute apart from 10:00 to 12:07, each two hours long: every pair overlaps
        start = paris(monday, 10) + timedelta(minutes=i)
        body = {
            "site": "la-coque", "space": "salle-calanques", "title": f"Race {i}", "attendees": 4,
            "start": iso(start), "end": iso(start + timedelta(hours=2)),
        }  # fmt: skip
        calls.append(post_booking(live_server, people[i % len(people)], body))

    answers = Counter(response.status_code for response in race(calls))

    assert answers == {201: 1, 409: THREADS * PER_THREAD - 1}
    assert active_bookings("salle-calanques") == 1


def test_two_reschedules_with_the_same_etag_let_exactly_one_through(live_server, client, auth, customer, monday):
    headers = auth(customer)
    created = client.post(
        "/api/v1/bookings",
        json={"site": "la-coque", "space": "salle-calanques", "title": "Move me", "attendees": 4,
              "start": iso(paris(monday, 10)), "end": iso(paris(monday, 12))},
        headers=headers,
    )  # fmt: skip
    booking_id, etag = created.json["id"], created.headers["ETag"]

    def move_to(hour: int):
        def call(session: requests.Session) -> requests.Response:
            return session.patch(
                f"{live_server}/api/v1/bookings/{booking_id}",
                json={"start": iso(paris(monday, hour)), "end": iso(paris(monday, hour + 1))},
                headers={**headers, "If-Match": etag},
                timeout=60,
            )

        return call

    answers = sorted(response.status_code for response in race([move_to(14), move_to(16)]))

    assert answers[0] == 200 and answers[1] in (409, 412), answers
    db.session.rollback()
    db.session.expire_all()  # the server changed it through other connections
    booking = db.session.get(Booking, booking_id)
    assert booking.version == 2
    assert booking.start_at in (paris(monday, 14), paris(monday, 16))


def test_many_clients_racing_for_the_last_kit_from_different_rooms_get_it_once_and_409s_naming_it(
    live_server, tokens, make_space, client, auth, customer, monday
):
    """La Coque has two mobile camera kits; one is out. 128 bookings of 128 free rooms race for the other.

    No room is in anyone's way: only the kit's stock decides, so exactly one request may win it.
    """
    rooms = [make_space(f"loge-{i}").slug for i in range(THREADS * PER_THREAD)]
    kit = {"item": "kit-camera-mobile", "quantity": 1}
    first = dict(ten_to_noon(monday), services=[kit])
    assert client.post("/api/v1/bookings", json=first, headers=auth(customer)).status_code == 201
    people = tokens(8)
    calls = [
        post_booking(live_server, people[i % len(people)], dict(ten_to_noon(monday), space=room, services=[kit]))
        for i, room in enumerate(rooms)
    ]

    responses = race(calls)

    assert_the_last_kit_went_once(responses, granted=201)


def assert_the_last_kit_went_once(responses, *, granted: int) -> None:
    """One request got La Coque's last mobile camera kit; every other was refused naming it, none left."""
    assert Counter(response.status_code for response in responses) == {granted: 1, 409: THREADS * PER_THREAD - 1}
    refusals = [r.json() for r in responses if r.status_code == 409]
    assert {(r["code"], r["params"]["item"], r["params"]["left"]) for r in refusals} == {
        ("out_of_stock", "kit-camera-mobile", 0)
    }
    assert kits_out("kit-camera-mobile") == 2  # the stock, never more


def kits_out(item: str) -> int:
    """How many units of the item active bookings hold in all (the race's bookings all overlap)."""
    from booking.models import BookingService, ServiceItem

    db.session.rollback()
    query = (
        select(func.sum(BookingService.quantity))
        .join(Booking, Booking.id == BookingService.booking_id)
        .join(ServiceItem)
        .where(ServiceItem.slug == item, Booking.status.in_(ACTIVE_STATUSES))
    )
    return db.session.scalar(query)


def patch_booking(live_server: str, headers: dict, booking_id: int, version: int, body: dict):
    def call(session: requests.Session) -> requests.Response:
        return session.patch(
            f"{live_server}/api/v1/bookings/{booking_id}", json=body,
            headers={**headers, "If-Match": f'"{version}"'}, timeout=60,
        )  # fmt: skip

    return call


def test_many_changes_racing_to_add_the_last_kit_to_different_bookings_get_it_once_and_409s_naming_it(
    live_server, tokens, make_space, client, auth, customer, monday
):
    """La Coque has two mobile camera kits; one is out. 128 bookings already made, each in its own room
    at the same time, are changed at once to add the other one: exactly one change may get it."""
    kit = {"item": "kit-camera-mobile", "quantity": 1}
    first = dict(ten_to_noon(monday), services=[kit])
    assert client.post("/api/v1/bookings", json=first, headers=auth(customer)).status_code == 201
    people = tokens(8)
    booked = []
    for i in range(THREADS * PER_THREAD):
        headers = people[i % len(people)]
        body = dict(ten_to_noon(monday), space=make_space(f"loge-{i}").slug, title=f"Interview {i}")
        made = client.post("/api/v1/bookings", json=body, headers=headers)
        assert made.status_code == 201, made.json
        booked.append((headers, made.json["id"], made.json["version"]))
    calls = [patch_booking(live_server, headers, id_, version, {"services": [kit]}) for headers, id_, version in booked]

    responses = race(calls)

    assert_the_last_kit_went_once(responses, granted=200)
