"""Who may call what: every endpoint of the API × no token / customer A / customer B / staff.

Customer A's company owns the bookings the table acts on; customer B works for another
company. Another company's booking is a 404, not a 403, so its existence does not leak.
A refused call changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from clock import iso, paris
from sqlalchemy import select

from booking.extensions import db
from booking.models import ApiToken
from booking.services import accounts, bookings
from booking.services.bookings import BookingRequest

API_BLUEPRINTS = ("sites", "availability", "bookings", "accounts")
ACTORS = ("nobody", "customer_a", "customer_b", "staff")


@dataclass
class World:
    """The people and bookings every row of the table acts on."""

    monday: object
    users: dict
    headers: dict
    confirmed: int  # customer A's confirmed booking
    hold: int  # customer A's hold
    pending: int  # customer A's booking waiting for approval
    spare_token: int  # one of customer A's tokens, for revocation


@pytest.fixture
def world(app, make_user, auth, monday) -> World:
    a = make_user("customer", org="acme")
    b = make_user("customer", org="rival")
    staff = make_user("staff", org=None)

    def book(space: str, start: int, end: int, **kwargs) -> int:
        req = BookingRequest("la-coque", space, paris(monday, start), paris(monday, end), "Kick-off", 4)
        return bookings.book(a, req, **kwargs).id

    _, spare = accounts.create_token(a, name="spare")
    return World(
        monday=monday,
        users={"customer_a": a, "customer_b": b, "staff": staff},
        headers={"nobody": {}, "customer_a": auth(a), "customer_b": auth(b), "staff": auth(staff)},
        confirmed=book("salle-calanques", 10, 12),
        hold=book("salle-frioul", 10, 12, hold=True),
        pending=book("showroom", 10, 14),
        spare_token=spare.id,
    )


def _window(w: World, start: int = 0, end: int = 23) -> str:
    return f"start={iso(paris(w.monday, start))}&end={iso(paris(w.monday, end))}".replace("+", "%2B")


def _new_booking(w: World) -> dict:
    return {
        "site": "la-coque", "space": "salle-calanques", "title": "Launch", "attendees": 6,
        "start": iso(paris(w.monday, 14)), "end": iso(paris(w.monday, 16)), "organisation": "acme",
    }  # fmt: skip


def _roadshow(w: World) -> dict:
    tuesday = w.monday + timedelta(days=1)
    legs = [
        {"site": site, "space": space, "attendees": 6, "start": iso(paris(tuesday, 10)), "end": iso(paris(tuesday, 12))}
        for site, space in (("la-coque", "salle-calanques"), ("carrefour-innovation", "salle-mirabeau"))
    ]
    return {"title": "Tour", "legs": legs, "organisation": "acme"}


# (method, URL rule) -> how to call it, and the status for nobody / customer A / customer B / staff
TABLE = {
    # public catalogue: anyone may read it
    ("GET", "/api/v1/sites"): (lambda w: ("/api/v1/sites", None), (200, 200, 200, 200)),
    ("GET", "/api/v1/sites/<site>"): (lambda w: ("/api/v1/sites/la-coque", None), (200, 200, 200, 200)),
    ("GET", "/api/v1/sites/<site>/spaces"): (lambda w: ("/api/v1/sites/la-coque/spaces", None), (200, 200, 200, 200)),
    ("GET", "/api/v1/sites/<site>/spaces/<space>"): (
        lambda w: ("/api/v1/sites/la-coque/spaces/showroom", None),
        (200, 200, 200, 200),
    ),
    # the site calendar needs an account; B sees A's bookings as busy blocks
    ("GET", "/api/v1/sites/<site>/bookings"): (
        lambda w: (f"/api/v1/sites/la-coque/bookings?{_window(w)}", None),
        (401, 200, 200, 200),
    ),
    # searching needs no account
    # a search window no longer than a booking can be (a longer one is a 422)
    ("GET", "/api/v1/availability"): (
        lambda w: (f"/api/v1/availability?{_window(w, 10, 12)}", None),
        (200, 200, 200, 200),
    ),
    # B's list is simply empty
    ("GET", "/api/v1/bookings"): (lambda w: ("/api/v1/bookings", None), (401, 200, 200, 200)),
    # booking for acme: A does, staff may on acme's behalf, B may not book for another company
    ("POST", "/api/v1/bookings"): (lambda w: ("/api/v1/bookings", _new_booking(w)), (401, 201, 403, 201)),
    ("POST", "/api/v1/roadshows"): (lambda w: ("/api/v1/roadshows", _roadshow(w)), (401, 201, 403, 201)),
    ("GET", "/api/v1/bookings/<int:booking_id>"): (
        lambda w: (f"/api/v1/bookings/{w.confirmed}", None),
        (401, 200, 404, 200),
    ),
    ("PATCH", "/api/v1/bookings/<int:booking_id>"): (
        lambda w: (f"/api/v1/bookings/{w.confirmed}", {"attendees": 5}),
        (401, 200, 404, 200),
    ),
    ("GET", "/api/v1/bookings/<int:booking_id>/events"): (
        lambda w: (f"/api/v1/bookings/{w.confirmed}/events", None),
        (401, 200, 404, 200),
    ),
    ("POST", "/api/v1/bookings/<int:booking_id>/confirm"): (
        lambda w: (f"/api/v1/bookings/{w.hold}/confirm", {}),
        (401, 200, 404, 200),
    ),
    # approving and rejecting are staff-only: 403 for any company, before the booking is looked up
    # (so a stranger learns nothing: the answer is the same whether the booking exists or not)
    ("POST", "/api/v1/bookings/<int:booking_id>/approve"): (
        lambda w: (f"/api/v1/bookings/{w.pending}/approve", {}),
        (401, 403, 403, 200),
    ),
    ("POST", "/api/v1/bookings/<int:booking_id>/reject"): (
        lambda w: (f"/api/v1/bookings/{w.pending}/reject", {}),
        (401, 403, 403, 200),
    ),
    ("POST", "/api/v1/bookings/<int:booking_id>/cancel"): (
        lambda w: (f"/api/v1/bookings/{w.confirmed}/cancel", {}),
        (401, 200, 404, 200),
    ),
    # accounts: companies and users are staff business
    ("GET", "/api/v1/organisations"): (lambda w: ("/api/v1/organisations", None), (401, 403, 403, 200)),
    ("POST", "/api/v1/organisations"): (
        lambda w: ("/api/v1/organisations", {"slug": "newco", "name": "NewCo"}),
        (401, 403, 403, 201),
    ),
    ("GET", "/api/v1/users"): (lambda w: ("/api/v1/users", None), (401, 403, 403, 200)),
    ("POST", "/api/v1/users"): (
        lambda w: ("/api/v1/users", {"email": "new@acme.example", "organisation": "acme"}),
        (401, 403, 403, 201),
    ),
    ("GET", "/api/v1/me"): (lambda w: ("/api/v1/me", None), (401, 200, 200, 200)),
    # tokens: your own, or anyone's for staff; a stranger's user is "not found"
    ("GET", "/api/v1/users/<int:user_id>/tokens"): (
        lambda w: (f"/api/v1/users/{w.users['customer_a'].id}/tokens", None),
        (401, 200, 404, 200),
    ),
    ("POST", "/api/v1/users/<int:user_id>/tokens"): (
        lambda w: (f"/api/v1/users/{w.users['customer_a'].id}/tokens", {"name": "ci"}),
        (401, 201, 404, 201),
    ),
    ("DELETE", "/api/v1/tokens/<int:token_id>"): (
        lambda w: (f"/api/v1/tokens/{w.spare_token}", None),
        (401, 204, 404, 204),
    ),
}


def _api_rules(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in API_BLUEPRINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def snapshot() -> dict:
    """Every row of every table (bar a token's last use, which reading may touch)."""
    state = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if not (table.name == "api_tokens" and c.name == "last_used_at")]
        state[table.name] = sorted(map(tuple, db.session.execute(select(*columns)).all()), key=repr)
    db.session.rollback()
    return state


def call(client, world: World, key: tuple[str, str], headers: dict):
    method, _ = key
    make, _ = TABLE[key]
    url, body = make(world)
    if method == "PATCH":
        headers = {**headers, "If-Match": '"1"'}
    return client.open(url, method=method, json=body, headers=headers)


def test_the_table_covers_every_endpoint_of_the_api(app):
    assert _api_rules(app) == set(TABLE), "add the new endpoint to TABLE, with who may call it"


CASES = [(key, actor, expected[i]) for key, (_, expected) in TABLE.items() for i, actor in enumerate(ACTORS)]


@pytest.mark.parametrize(("key", "actor", "status"), CASES, ids=[f"{k[0]} {k[1]} as {a}" for k, a, _ in CASES])
def test_each_endpoint_answers_each_caller_as_the_table_says(client, world, key, actor, status):
    before = snapshot()
    response = call(client, world, key, world.headers[actor])
    assert response.status_code == status, response.get_data(as_text=True)
    if status >= 400:
        assert response.mimetype == "application/problem+json"
        assert snapshot() == before, "a refused call changed the database"


@pytest.mark.parametrize("key", list(TABLE), ids=[f"{m} {r}" for m, r in TABLE])
def test_an_unknown_token_is_a_401_everywhere_and_changes_nothing(client, world, key):
    before = snapshot()
    response = call(client, world, key, {"Authorization": "Bearer onx_not-a-token"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "unknown or revoked" in response.json["detail"]
    assert snapshot() == before


def test_a_revoked_token_is_refused(client, world, auth):
    headers = auth(world.users["customer_a"])
    token_id = db.session.scalars(select(ApiToken.id).order_by(ApiToken.id.desc())).first()
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 204
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "header",
    [
        "Basic YTpi",  # another scheme
        "Bearer",  # no token
        "Bearer    ",  # blank token
        "onx_token-without-scheme",  # no scheme
    ],
)
def test_a_malformed_authorization_header_is_a_401(client, world, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


@pytest.fixture
def signed_in(client, world):
    """The client with customer A's login session cookie, and no token."""
    from booking.auth import SESSION_KEY
    from booking.services import logins

    with client.session_transaction() as session:
        session[SESSION_KEY] = logins.start_session(world.users["customer_a"])
    return client


def test_a_session_cookie_is_enough_to_read(signed_in, world):
    assert signed_in.get("/api/v1/me").json["email"] == world.users["customer_a"].email


WRITES = [key for key in TABLE if key[0] != "GET"]


@pytest.mark.parametrize("key", WRITES, ids=[f"{m} {r}" for m, r in WRITES])
def test_api_writes_with_only_a_session_cookie_are_refused(signed_in, world, key):
    # a cookie rides along with any cross-site form post; API writes need the token
    before = snapshot()
    response = call(signed_in, world, key, {})
    assert response.status_code == 401
    assert snapshot() == before
