"""schemathesis against /api/openapi.json, as a customer and as staff: every check it offers.

Each operation is driven with valid data (which must be accepted, unless a documented business
rule refuses it: 401, 403, 404, 409) and with invalid data (which must be refused), the way
schemathesis' own runner does, with its auth, header and method checks; then the stateful phase
follows the document's links (create, then read, change and delete what was created).

Valid booking requests are narrowed to slots that can really be booked: a seeded space open
all week, free future hours within its horizon, the caller's own company. Otherwise every
generated time would be refused by the rules (past, closed, too long) and no booking would
ever be made; a test asserts that the run made some.

A bounded number of generated requests per operation (ONEXP_SCHEMATHESIS_EXAMPLES, default 10),
on both backends: PostgreSQL refuses inputs SQLite takes (NUL bytes, out-of-range integers).
Driven through schemathesis' Python API (one pytest test per operation and role), since its
lazy pytest fixture does not run under pytest 9.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks

from booking import create_app

EXAMPLES = int(os.environ.get("ONEXP_SCHEMATHESIS_EXAMPLES", "10"))
METHODS = ("get", "post", "put", "patch", "delete")
PARIS = ZoneInfo("Europe/Paris")
SPACE = "fuzz-room"  # opened all week by the fixture below, bookable a year ahead
WRITES_A_BOOKING = {("POST", "/api/v1/bookings"), ("POST", "/api/v1/roadshows")}

load_all_checks()
ALL_CHECKS = CHECKS.get_all()


def operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every documented operation; the spec needs no database."""
    spec = create_app({"DATABASE_URL": "sqlite://", "TESTING": True}).test_client().get("/api/openapi.json").json
    return [(method.upper(), path) for path, item in spec["paths"].items() for method in item if method in METHODS]


def pytest_generate_tests(metafunc):
    if "operation" in metafunc.fixturenames:
        found = operations()
        metafunc.parametrize("operation", found, ids=[f"{method} {path}" for method, path in found])


@pytest.fixture(params=["customer", "staff"])
def role(request) -> str:
    return request.param


@pytest.fixture
def caller(role, auth, make_user) -> dict:
    return auth(make_user(role, org="acme" if role == "customer" else None))


class Slots:
    """Free hours of the fuzz room: each valid booking request gets the next one, so they do not collide.
    Days the site is closed (Christmas, a public holiday) are passed over: a long run reaches them."""

    def __init__(self, first_day, closed_days) -> None:
        days = (first_day + timedelta(days=n) for n in itertools.count())
        self._hours = (
            (datetime.combine(day, time(hour), PARIS), timedelta(hours=1))
            for day in days
            if day not in closed_days
            for hour in range(8, 20, 2)
        )

    def next(self) -> tuple[str, str]:
        start, length = next(self._hours)
        return start.isoformat(), (start + length).isoformat()


@pytest.fixture
def bookable(app, make_space, make_org, monday, role):
    """A function narrowing a valid case to what the venue really has: a free slot of a seeded space,
    the caller's company, a site and space that exist, a webhook URL that needs no DNS. The schema
    cannot say which of these exist; everything else is generated as the document allows."""
    from booking.services import catalog

    room = make_space(SPACE)
    make_org("acme")
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    slots = Slots(monday, catalog.policy_of(room).closed_days)
    window_start, window_end = (
        datetime.combine(monday, time(8), PARIS).isoformat(),
        datetime.combine(monday, time(18), PARIS).isoformat(),
    )

    def leg(body: dict, *, new: bool = True) -> None:
        if new:  # a booking or a stop names its space; a change does not move it elsewhere
            body["site"], body["space"] = "la-coque", SPACE
        else:
            body.pop("site", None), body.pop("space", None)
        body["start"], body["end"] = slots.next()
        what(body)

    def what(body: dict) -> None:
        """What a booking carries besides its times, for a new one and a change alike (a change may
        send its services or people alone, without moving the booking)."""
        if body.get("streaming_link") is not None:
            body["streaming_link"] = "https://stream.example/live"  # the document says a string; the API wants a URL
        if "attendees" in body or "start" in body:
            body["attendees"] = 4
        body.pop("layout", None)  # the space's layouts are the site's, which the document cannot list
        if "services" in body:
            body["services"] = [{"item": "pause-cafe", "quantity": 4}]  # a service La Coque sells in every room
        body.pop("online_attendees", None)  # people online need a streaming package the fuzz room has not

    def references(values: dict, path: str) -> None:
        if "site" in values:
            values["site"] = "la-coque"
        if values.get("space") is not None:
            values["space"] = SPACE
        if "organisation" in values:
            if role == "staff":
                values["organisation"] = "acme"
            else:
                del values["organisation"]  # a company acts for itself

    def narrow(case):
        if not (case.meta and case.meta.generation.mode.is_positive):
            return case
        query, body = case.query, case.body
        if isinstance(query, dict):
            references(query, case.path)
            query.pop("equipment", None)  # an item no space of the search has is a 422: not in the schema
            if {"start", "end"} & set(query):
                if case.path == "/api/v1/utilization":
                    query["start"] = query["end"] = monday.isoformat()
                else:
                    query["start"], query["end"] = window_start, window_end
        if isinstance(body, dict):
            references(body, case.path)
            if {"start", "end"} & set(body) and "legs" not in body:
                leg(body, new=case.method == "POST")
            elif "legs" not in body:
                what(body)
            for each in body.get("legs") or []:
                if isinstance(each, dict):
                    leg(each)
            body.pop("rrule", None)
            if "title" in body and role == "staff" and case.method == "POST":
                body["organisation"] = "acme"  # staff book for a company, and must name it
            if case.path == "/api/v1/users":
                if body.get("role", "customer") == "customer":
                    body["organisation"] = "acme"
                else:
                    body.pop("organisation", None)
            if case.path == "/api/v1/webhooks":
                body["url"] = "https://127.0.0.1/hook"
            if case.path == "/api/v1/sensors":
                body.update(kind="counter", format="native", topic=None)
            if case.path == "/api/v1/feeds":
                if role == "staff" and body.get("scope") == "organisation":
                    body["scope"] = "site"  # staff belong to no company
                scope = body.get("scope")
                body.pop("site", None), body.pop("space", None)
                if scope in ("site", "space"):
                    body["site"] = "la-coque"
                if scope == "space":
                    body["space"] = SPACE
        return case

    return narrow


def booking_count() -> int:
    from sqlalchemy import func, select

    from booking.extensions import db
    from booking.models import Booking

    return db.session.scalar(select(func.count()).select_from(Booking))


def test_operation_conforms_to_the_openapi_description(app, operation, caller, bookable):
    method, path = operation
    api_operation = schemathesis.openapi.from_wsgi("/api/openapi.json", app)[path][method]
    strategies = [api_operation.as_strategy(GenerationMode.POSITIVE).map(bookable)]
    with contextlib.suppress(Exception):  # nothing can be wrong in a request that has no parameters
        strategies.append(api_operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same requests on every run: a failure here is reproducible
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case):
        case.call_and_validate(headers=caller, checks=ALL_CHECKS)

    before = booking_count()
    conforms()
    if operation in WRITES_A_BOOKING:
        assert booking_count() > before, "no generated request made a booking: narrow them to free slots"


def test_the_stateful_phase_follows_the_links_of_the_document(app, caller, bookable):
    """Sequences of calls along the document's links (POST /bookings names them; schemathesis infers
    the others): a booking made, then read, edited, confirmed, cancelled, checked in, its id carried
    from one answer to the next request, every check applied to every step."""
    # The bookings' operations only: among all 57, a few sequences would rarely start with a booking.
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app).include(path_regex="^/api/v1/bookings")
    # Valid requests only: invalid ones are the fuzzing test's, and here they would end each sequence
    # at its first step (a 401 or 422) before it reached the links.
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    # An edit sent with the ETag of an earlier step after a later one changed the booking (confirmed,
    # cancelled) is refused by the optimistic lock: 412 is the answer the document gives for it.
    accepting = schema.config.checks.positive_data_acceptance
    accepting.expected_statuses = [*accepting.expected_statuses, "412"]
    calls, made = [], []

    class Workflow(schema.as_state_machine()):
        def before_call(self, case):
            bookable(case)

        def get_call_kwargs(self, case):
            return {"headers": caller}

        def after_call(self, response, case):
            calls.append((case.method, case.path, response.status_code))
            if (case.method, case.path) in WRITES_A_BOOKING and response.status_code == 201:
                made.append(response.json()["id"])

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=ALL_CHECKS, headers=caller, transport_kwargs=kwargs)

    Workflow.run(
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert made, f"no sequence made a booking, so no link was followed to one: {sorted(set(calls))}"
