"""Door and lobby displays through HTTP: who may open them, and what may be done at the door."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from clock import paris
from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, BookingEvent, DisplayToken
from booking.services import displays

PANEL = {"part": "panel"}


@pytest.fixture
def make_display(app):
    """``make_display("la-coque", "salle-frioul")`` -> the display's token (a lobby without a space)."""

    def make(site: str = "la-coque", space: str | None = "salle-frioul", name: str = "") -> str:
        token, _record = displays.create_display(site, space, name=name)
        return token

    return make


@pytest.fixture
def at(monkeypatch):
    """``at(moment)``: the displays' clock reads ``moment``."""

    def set_clock(moment):
        monkeypatch.setattr("booking.services.displays.utcnow", lambda: moment)

    return set_clock


def counted(moment, count: int, *, online: bool = True) -> None:
    """Salle Frioul's people counter reports ``count`` at ``moment`` (then its Last Will, if not ``online``)."""
    from booking.services import readings, sensors
    from booking.services.readings import Batch, SensorReading, StatusReport

    sensor = sensors.add_sensor("frioul-counter", site="la-coque", space="salle-frioul", kind="counter")
    readings.record_readings(Batch(readings=[SensorReading(sensor.id, moment, moment, count=count)]), moment)
    if not online:
        readings.record_readings(Batch(statuses=[StatusReport(sensor.id, False, moment)]), moment)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def state_of(html: str) -> str:
    match = re.search(r'data-state="([a-z_]+)"', html)
    assert match, "no panel in the answer"
    return match.group(1)


def said(html: str) -> tuple[str, str]:
    match = re.search(r'data-said class="said (\w+)" data-code="(\w+)">([^<]*)<', html)
    assert match, "the answer says nothing"
    return match.group(2), match.group(3).strip()


# --- who may open a display ---------------------------------------------------------------


def test_a_display_opens_with_its_own_token(client, make_display):
    token = make_display()
    page = client.get("/display/la-coque/salle-frioul", query_string={"token": token})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Salle Frioul" in html and state_of(html) == "free"
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the address carries the token
    assert page.headers["Cache-Control"] == "no-store"


def test_only_the_tokens_hash_is_stored(make_display):
    token = make_display()
    stored = db.session.scalar(select(DisplayToken))
    assert stored.token_hash != token and token not in stored.token_hash
    assert len(stored.token_hash) == 64


@pytest.mark.parametrize(
    ("made_for", "opened", "status"),
    [
        (("la-coque", "salle-calanques"), "/display/la-coque/salle-frioul", 403),  # another space's token
        (("la-coque", None), "/display/la-coque/salle-frioul", 403),  # the lobby's token opens no door
        (("la-coque", "salle-frioul"), "/display/la-coque", 403),  # a door's token opens no lobby
        (("carrefour-innovation", None), "/display/la-coque", 403),  # another site's lobby
    ],
)
def test_a_token_opens_only_its_own_display(client, make_display, made_for, opened, status):
    token = make_display(*made_for)
    page = client.get(opened, query_string={"token": token})
    assert page.status_code == status
    assert "This display is not authorised" in page.get_data(as_text=True) or "pas autorisé" in page.get_data(
        as_text=True
    )


def test_without_a_token_a_display_is_not_authorised(client):
    page = client.get("/display/la-coque/salle-frioul")
    assert page.status_code == 401
    assert "data-refused" in page.get_data(as_text=True)


def test_a_revoked_token_is_refused_at_the_next_refresh(client, make_display):
    token = make_display()
    assert client.get("/display/la-coque/salle-frioul", query_string=PANEL, headers=bearer(token)).status_code == 200
    (record,) = displays.list_displays()
    displays.revoke_display(record.id)
    panel = client.get("/display/la-coque/salle-frioul", query_string=PANEL, headers=bearer(token))
    assert panel.status_code == 401
    assert "data-refused" in panel.get_data(as_text=True)
    assert displays.list_displays() == []


def test_a_display_token_opens_nothing_else_of_the_api(client, make_display):
    token = make_display()
    answer = client.get("/api/v1/me", headers=bearer(token))
    assert answer.status_code == 401
    assert "display" in answer.get_json()["detail"]


def test_a_revoked_token_cannot_act_at_the_door(client, make_display):
    token = make_display()
    displays.revoke_display(displays.list_displays()[0].id)
    answer = client.post("/display/la-coque/salle-frioul/book-now", data={"minutes": "30"}, headers=bearer(token))
    assert answer.status_code == 401
    assert db.session.scalar(select(Booking)) is None


# --- what the door shows ------------------------------------------------------------------


def test_a_booking_nobody_checked_in_waits_for_check_in_without_its_title(
    client, make_display, make_booking, customer, monday, at
):
    make_booking(customer, "salle-frioul", 10, 11, title="Stand-up")
    at(paris(monday, 10, 5))
    html = client.get("/display/la-coque/salle-frioul", query_string=PANEL, headers=bearer(make_display())).text
    assert state_of(html) == "waiting"
    assert "Réservation privée" in html  # the company did not allow titles on door displays
    assert "Stand-up" not in html
    assert "data-countdown" not in html  # no sensor in the room: it is never released, so no countdown


def test_with_healthy_sensors_the_door_counts_down_to_the_release(
    client, make_display, make_booking, customer, monday, at
):
    make_booking(customer, "salle-frioul", 10, 11)
    counted(paris(monday, 10, 4), 0)
    at(paris(monday, 10, 5))
    html = client.get("/display/la-coque/salle-frioul", query_string=PANEL, headers=bearer(make_display())).text
    assert "Libéré à 10:15 sans arrivée" in html
    assert re.search(r'data-countdown="[^"]+">10<', html)


def test_people_counted_in_the_room_put_it_in_use_with_their_number(
    client, make_display, make_booking, customer, monday, at
):
    make_booking(customer, "salle-frioul", 10, 11)
    counted(paris(monday, 10, 4), 6)
    at(paris(monday, 10, 5))
    html = client.get("/display/la-coque/salle-frioul", query_string=PANEL, headers=bearer(make_display())).text
    assert state_of(html) == "in_use"
    assert "6 personnes présentes" in html


def test_offline_sensors_are_said_instead_of_their_old_count(client, make_display, monday, at):
    counted(paris(monday, 10, 4), 6, online=False)
    at(paris(monday, 10, 5))
    html = client.get("/display/la-coque/salle-frioul", query_string=PANEL, headers=bearer(make_display())).text
    assert state_of(html) == "free"
    assert "data-sensors-stale" in html
    assert "personnes présentes" not in html


def test_a_company_that_shares_titles_has_its_title_on_the_door(
    client, make_display, make_user, make_booking, monday, at
):
    from booking.services import accounts

    sharing = make_user("customer", org="open-co")
    accounts.get_organisation("open-co").share_titles = True
    db.session.commit()
    make_booking(sharing, "salle-frioul", 10, 11, title="Stand-up")
    at(paris(monday, 10, 5))
    html = client.get("/display/la-coque/salle-frioul", query_string=PANEL, headers=bearer(make_display())).text
    assert "Stand-up" in html


def test_the_lobby_shows_every_room_and_the_days_bookings(client, make_display, make_booking, customer, monday, at):
    make_booking(customer, "salle-calanques", 14, 16, title="Workshop")
    at(paris(monday, 9))
    html = client.get("/display/la-coque", query_string={"token": make_display("la-coque", None)}).text
    assert html.count('class="lobby-room ') == 5  # La Coque's five spaces
    assert "14:00–16:00" in html


# --- at the door --------------------------------------------------------------------------


def test_checking_in_at_the_door_is_recorded_as_the_display(client, make_display, make_booking, customer, monday, at):
    booking = make_booking(customer, "salle-frioul", 10, 11)
    at(paris(monday, 10, 5))
    answer = client.post(
        "/display/la-coque/salle-frioul/check-in", data={"booking": booking.id}, headers=bearer(make_display())
    )
    assert answer.status_code == 200
    assert state_of(answer.text) == "in_use"
    assert said(answer.text)[0] == "checked_in"
    event = db.session.scalars(select(BookingEvent).where(BookingEvent.action == "check_in")).one()
    assert event.actor_id is None
    assert event.detail["by"] == "display"
    assert event.detail["display"].startswith("display ")


def test_checking_in_too_early_is_refused_with_the_opening_time(
    client, make_display, make_booking, customer, monday, at
):
    booking = make_booking(customer, "salle-frioul", 10, 11)
    at(paris(monday, 9, 30))
    answer = client.post(
        "/display/la-coque/salle-frioul/check-in", data={"booking": booking.id}, headers=bearer(make_display())
    )
    assert answer.status_code == 409
    assert said(answer.text) == ("too_early", "L’enregistrement ouvre à 09:45.")


def test_a_door_cannot_check_in_another_rooms_booking(client, make_display, make_booking, customer, monday, at):
    booking = make_booking(customer, "salle-calanques", 10, 11)
    at(paris(monday, 10, 5))
    answer = client.post(
        "/display/la-coque/salle-frioul/check-in", data={"booking": booking.id}, headers=bearer(make_display())
    )
    assert answer.status_code == 404
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).checked_in_at is None


def test_book_now_books_the_free_room_for_the_walk_in_account(client, make_display, monday, at):
    at(paris(monday, 10) + timedelta(seconds=30))
    answer = client.post(
        "/display/la-coque/salle-frioul/book-now", data={"minutes": "30"}, headers=bearer(make_display())
    )
    assert answer.status_code == 200
    assert said(answer.text) == ("booked", "Réservé jusqu’à 10:30.")
    booking = db.session.scalar(select(Booking))
    assert booking.organisation.slug == displays.WALK_IN_ORGANISATION
    assert (booking.start_at, booking.end_at) == (
        paris(monday, 10) + timedelta(seconds=30),
        paris(
            monday,
            10,
            30,
        )
        + timedelta(seconds=30),
    )
    assert booking.status == "confirmed"
    assert booking.checked_in_at == booking.start_at  # the people who booked it are at the door
    assert "display" in booking.notes
    assert state_of(answer.text) == "in_use"
    assert "Réservé à la porte" in answer.text  # the venue's own booking: its title is no secret


@pytest.mark.parametrize(
    ("clock", "minutes", "code", "message"),
    [
        ((19, 45), 30, "outside_hours", "Pas si longtemps : le site ferme à 20:00."),  # closes at 20:00
        ((21, 0), 15, "outside_hours", "Le site est fermé en ce moment."),
        ((9, 45), 30, "overlaps", "Pas libre si longtemps : la salle est réservée à partir de 10:00."),
    ],
)
def test_book_now_is_refused_when_the_rules_say_no(
    client, make_display, make_booking, customer, monday, at, clock, minutes, code, message
):
    make_booking(customer, "salle-frioul", 10, 11)
    at(paris(monday, *clock))
    answer = client.post(
        "/display/la-coque/salle-frioul/book-now", data={"minutes": str(minutes)}, headers=bearer(make_display())
    )
    assert answer.status_code in (409, 422)
    assert said(answer.text) == (code, message)
    assert db.session.scalar(select(Booking).where(Booking.organisation_id != Booking.organisation_id)) is None
    assert len(db.session.scalars(select(Booking)).all()) == 1  # only the company's own


def test_book_now_is_refused_where_the_space_takes_no_walk_ins(client, make_display, monday, at):
    at(paris(monday, 10))
    token = make_display("la-coque", "salle-calanques")
    answer = client.post("/display/la-coque/salle-calanques/book-now", data={"minutes": "30"}, headers=bearer(token))
    assert answer.status_code == 403
    assert said(answer.text)[0] == "not_walk_in"
    assert "data-refused" not in answer.text  # the display is authorised: it says why, and stays
    assert db.session.scalar(select(Booking)) is None


def test_a_space_that_takes_no_walk_ins_offers_no_book_now(client, make_display, monday, at):
    at(paris(monday, 10))
    token = make_display("la-coque", "salle-calanques")
    html = client.get("/display/la-coque/salle-calanques", query_string=PANEL, headers=bearer(token)).text
    assert 'data-action="book-now"' not in html


# --- staff --------------------------------------------------------------------------------


def test_staff_create_list_and_revoke_displays_through_the_api(client, auth, staff):
    headers = auth(staff)
    made = client.post("/api/v1/displays", json={"site": "la-coque", "space": "salle-frioul", "name": "Door"},
                       headers=headers)  # fmt: skip
    assert made.status_code == 201
    body = made.get_json()
    assert body["url"].endswith(f"/display/la-coque/salle-frioul?token={body['token']}")
    assert client.get(body["url"].replace("http://localhost", "")).status_code == 200
    listed = client.get("/api/v1/displays", headers=headers).get_json()
    assert [(d["site"], d["space"], d["name"]) for d in listed] == [("la-coque", "salle-frioul", "Door")]
    assert "token" not in listed[0]
    assert client.delete(f"/api/v1/displays/{body['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/displays", headers=headers).get_json() == []


def test_companies_cannot_make_displays(client, auth, customer):
    answer = client.post("/api/v1/displays", json={"site": "la-coque"}, headers=auth(customer))
    assert answer.status_code == 403


def test_a_display_for_an_unknown_space_is_refused_naming_the_field(client, auth, staff):
    answer = client.post("/api/v1/displays", json={"site": "la-coque", "space": "attic"}, headers=auth(staff))
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["field"] == "space"


def test_onexp_displays_create_prints_the_url_alone_on_its_last_line(runner, client):
    result = runner.invoke(args=["displays", "create", "la-coque", "salle-frioul", "--base-url", "http://tablet.test"])
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"http://tablet\.test/display/la-coque/salle-frioul\?token=dsp_[\w-]+", url)
    assert client.get(url.removeprefix("http://tablet.test")).status_code == 200


def test_onexp_displays_create_names_an_unknown_site(runner):
    result = runner.invoke(args=["displays", "create", "atlantis"])
    assert result.exit_code != 0
    assert "atlantis" in result.output


def test_staff_make_a_display_on_their_page_and_revoke_it(client, sign_in, staff, post_form):
    sign_in(staff)
    made = post_form("/staff/displays/", "/staff/displays/", target="la-coque/salle-frioul", name="Porte Frioul")
    assert made.status_code == 200
    url = re.search(r'id="new-display-url" type="text" readonly value="([^"]+)"', made.text).group(1)
    assert "/display/la-coque/salle-frioul?token=dsp_" in url
    assert "Porte Frioul" in made.text
    (record,) = displays.list_displays()
    revoked = post_form("/staff/displays/", f"/staff/displays/{record.id}/revoke")
    assert revoked.status_code == 302
    assert client.get(url.replace("http://localhost", "")).status_code == 401


def test_the_displays_page_is_for_staff(client, sign_in, customer):
    sign_in(customer)
    assert client.get("/staff/displays/").status_code == 403


def test_a_display_speaks_english_when_its_address_says_so(client, make_display, monday, at):
    at(paris(monday, 10))
    page = client.get("/display/la-coque/salle-frioul", query_string={"token": make_display(), "lang": "en"}).text
    assert '<html lang="en"' in page
    assert ">Free<" in page and "Book now" in page
    assert 'data-panel-url="/display/la-coque/salle-frioul?part=panel&amp;lang=en"' in page


def test_on_sqlite_a_display_refresh_does_not_queue_behind_the_writer(client, make_display, backend):
    if backend != "sqlite":
        pytest.skip("SQLite's write lock: PostgreSQL readers never take one")
    import sqlite3

    token = make_display()
    assert client.get("/display/la-coque/salle-frioul", query_string=PANEL, headers=bearer(token)).status_code == 200
    db.session.commit()  # (last seen is written now: the next refresh only reads)
    writer = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the ingest worker, in the middle of a batch
    try:
        panel = client.get("/display/la-coque/salle-frioul", query_string=PANEL, headers=bearer(token))
        assert panel.status_code == 200
        assert state_of(panel.text) == "free"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
