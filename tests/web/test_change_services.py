"""Changing what a booking carries from the change page: its services, its people online, its streaming link.

The page writes through the same use case as PATCH /api/v1/bookings/<id> (series.change_dates),
with the version it showed; it prices the change before saving and says what failed by name.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from clock import paris

from booking.extensions import db
from booking.models import Booking
from booking.services import bookings

LINK = "https://live.example.com/seminaire"


@pytest.fixture
def seminar(customer, monday):
    """Acme's day seminar at the Château: lunch for 40, a technician 8 h, streamed to 25 people."""
    request = bookings.BookingRequest(
        "chateau-des-baumes", "salle-etang", paris(monday, 9), paris(monday, 17), "Séminaire", 40,
        services=(("dejeuner", 40), ("technicien", 8), ("streaming", 1)), online_attendees=25, streaming_link=LINK,
    )  # fmt: skip
    return bookings.book(customer, request).id


def carried(booking_id: int) -> dict[str, int]:
    db.session.expire_all()
    return {line.item.slug: line.quantity for line in db.session.get(Booking, booking_id).services}


def seminar_form(monday, **fields) -> dict:
    """The change form as it opens on the seminar, with ``fields`` changed."""
    return {
        "title": "Séminaire", "date": monday.isoformat(), "start": "09:00", "end": "17:00", "version": "1",
        "service-dejeuner": "40", "service-technicien": "8", "service-streaming": "1",
        "online_attendees": "25", "streaming_link": LINK,
    } | fields  # fmt: skip


def change(post_form, booking_id, form: dict):
    page = f"/bookings/{booking_id}/change"
    return post_form(page, page, **{k: v for k, v in form.items() if v is not None})


def test_the_change_page_opens_with_the_services_people_online_and_link(client, sign_in, customer, seminar):
    sign_in(customer)

    page = client.get(f"/bookings/{seminar}/change").get_data(as_text=True)

    assert 'name="service-dejeuner" id="service-dejeuner" value="40"' in page
    assert 'name="service-technicien" id="service-technicien" value="8"' in page
    assert 'name="service-streaming" id="service-streaming" value="1" checked' in page
    assert 'name="service-pause-cafe" id="service-pause-cafe" value=""' in page  # offered, not taken
    assert 'name="online_attendees" type="number" value="25"' in page
    assert f'value="{LINK}"' in page
    assert "3\u202f316,00" in page  # what it costs now, line by line


def test_a_company_changes_lunch_to_35_and_adds_a_technician_hour(
    client, sign_in, customer, seminar, monday, post_form
):
    sign_in(customer)

    response = change(post_form, seminar, seminar_form(monday, **{"service-dejeuner": "35", "service-technicien": "9"}))

    assert response.status_code == 302 and response.headers["Location"] == "/portal/bookings"
    assert carried(seminar) == {"dejeuner": 35, "technicien": 9, "streaming": 1}
    # by hand: room 520 + 104, lunch 35 x 32 = 1120 + 10% 112, technician 9 x 65 = 585 + 117, streaming 550 + 110
    listed = client.get("/portal/bookings").get_data(as_text=True)
    assert "Modifié : Séminaire ; elle coûte désormais 3\u202f218,00" in listed
    assert "Déjeuner buffet × 35" in listed
    (event,) = [e for e in db.session.get(Booking, seminar).events if e.action == "reschedule"]
    assert event.detail["services"]["to"] == [
        {"item": "dejeuner", "quantity": 35}, {"item": "technicien", "quantity": 9},
        {"item": "streaming", "quantity": 1},
    ]  # fmt: skip
    assert event.detail["excl_vat"] == {"from": "2870.00", "to": "2775.00"}


def test_update_the_quote_prices_the_change_and_writes_nothing(client, sign_in, customer, seminar, monday):
    sign_in(customer)
    asked = seminar_form(monday, **{"service-dejeuner": "35", "service-technicien": "9", "quote": "1"})

    response = client.get(f"/bookings/{seminar}/change", query_string=asked)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Devis après la modification" in page and "3\u202f218,00" in page
    assert "Actuellement : 3\u202f316,00\xa0€ TTC." in page
    assert 'value="35"' in page  # what was typed stays
    assert carried(seminar) == {"dejeuner": 40, "technicien": 8, "streaming": 1}


def test_services_kept_keep_their_price_and_those_added_are_at_todays(client, sign_in, customer, seminar, monday):
    from booking.models import ServiceItem

    lunch = db.session.query(ServiceItem).filter_by(slug="dejeuner").join(ServiceItem.site).all()
    for item in lunch:
        item.price_excl_vat += 10  # the Château's lunch costs more since the seminar was booked
    db.session.commit()
    sign_in(customer)

    asked = seminar_form(monday, **{"service-pause-cafe": "40", "quote": "1"})
    page = client.get(f"/bookings/{seminar}/change", query_string=asked).get_data(as_text=True)

    assert "1\u202f280,00" in page  # 40 lunches still at 32, as agreed
    assert "260,00" in page  # 40 coffee breaks at today's 6.50


def test_people_online_are_asked_only_where_the_space_can_stream(client, sign_in, customer, make_booking):
    booking = make_booking(customer, "salle-calanques")
    sign_in(customer)

    page = client.get(f"/bookings/{booking.id}/change").get_data(as_text=True)

    assert 'name="service-pause-cafe"' in page
    assert 'name="online_attendees"' not in page and 'name="streaming_link"' not in page
    assert 'name="service-streaming"' not in page  # not offered in this room


def test_people_online_without_the_streaming_package_are_refused_naming_it(
    client, sign_in, customer, seminar, monday, post_form
):
    sign_in(customer)

    response = change(post_form, seminar, seminar_form(monday, **{"service-streaming": None}))

    assert response.status_code == 422
    assert "Pour suivre en ligne, il faut la formule de diffusion : cochez Captation et diffusion en direct." in (
        response.get_data(as_text=True)
    )
    assert carried(seminar) == {"dejeuner": 40, "technicien": 8, "streaming": 1}


@pytest.fixture
def last_kit_taken(make_user, monday):
    """Rival holds La Coque's two mobile camera kits on Monday 10-12 (in the Frioul room)."""
    rival = make_user("customer", org="rival")
    both = bookings.BookingRequest(
        "la-coque", "salle-frioul", paris(monday, 10), paris(monday, 12), "Tournage", 4,
        services=(("kit-camera-mobile", 2),),
    )  # fmt: skip
    return bookings.book(rival, both)


def test_adding_a_kit_whose_last_unit_is_taken_says_which_and_how_many_are_left(
    client, sign_in, customer, make_booking, last_kit_taken, monday, post_form
):
    booking = make_booking(customer, "salle-calanques", 10, 12)
    sign_in(customer)
    form = {"title": "Kick-off", "date": monday.isoformat(), "start": "10:00", "end": "12:00", "version": "1",
            "service-kit-camera-mobile": "1"}  # fmt: skip

    response = change(post_form, booking.id, form)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("Kit caméra mobile : il n’en reste aucun à ce moment-là (vous en demandez 1).") == 2  # top, field
    assert 'id="service-kit-camera-mobile-error"' in page
    assert carried(booking.id) == {}


def test_in_english_the_kit_out_of_stock_is_said_in_english(
    client, sign_in, customer, make_booking, last_kit_taken, monday, post_form
):
    booking = make_booking(customer, "salle-calanques", 10, 12)
    sign_in(customer, lang="en")
    form = {"title": "Kick-off", "date": monday.isoformat(), "start": "10:00", "end": "12:00", "version": "1",
            "service-kit-camera-mobile": "1"}  # fmt: skip

    page = change(post_form, booking.id, form).get_data(as_text=True)

    assert "Kit caméra mobile: none left at that time (you asked for 1)." in page
    assert "Services" in page and "Update the quote" in page


def test_a_change_made_meanwhile_is_not_overwritten_and_the_page_says_so(
    client, sign_in, customer, seminar, monday, post_form
):
    bookings.reschedule(customer, seminar, {"title": "Séminaire annuel"}, version=1)
    sign_in(customer)

    response = change(post_form, seminar, seminar_form(monday, **{"service-dejeuner": "35"}))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "La réservation a changé depuis que vous l’avez ouverte" in page
    assert f'href="/bookings/{seminar}/change">Rouvrir telle qu’elle est maintenant' in page
    assert carried(seminar)["dejeuner"] == 40


def test_retitling_a_series_from_a_date_on_leaves_the_other_dates_services_alone(
    client, sign_in, customer, monday, post_form
):
    req = bookings.BookingRequest(
        "la-coque", "salle-calanques", paris(monday, 10), paris(monday, 11), "Point hebdo", 4,
        services=(("pause-cafe", 4),),
    )  # fmt: skip
    dates = [b.id for b in bookings.book_series(customer, req, "FREQ=WEEKLY;COUNT=3").bookings]
    bookings.reschedule(customer, dates[2], {"services": [{"item": "pause-cafe", "quantity": 9}]}, version=1)
    sign_in(customer)
    second = (monday + timedelta(weeks=1)).isoformat()
    form = {"title": "Point mensuel", "date": second, "start": "10:00", "end": "11:00", "version": "1",
            "scope": "following", "service-pause-cafe": "4"}  # fmt: skip

    assert change(post_form, dates[1], form).status_code == 302

    assert [carried(d) for d in dates] == [{"pause-cafe": 4}, {"pause-cafe": 4}, {"pause-cafe": 9}]
    assert [db.session.get(Booking, d).title for d in dates] == ["Point hebdo", "Point mensuel", "Point mensuel"]


def test_the_booking_form_names_a_kit_out_of_stock_on_its_input_too(client, sign_in, customer, last_kit_taken, monday,
                                                                     post_form):  # fmt: skip
    sign_in(customer)
    page = "/portal/book/la-coque/salle-calanques"
    form = {"title": "Interview", "date": monday.isoformat(), "start": "10:00", "end": "12:00", "attendees": "4",
            "service-kit-camera-mobile": "1"}  # fmt: skip

    response = post_form(page, page, **form)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("Kit caméra mobile : il n’en reste aucun à ce moment-là (vous en demandez 1).") == 2
    assert 'id="service-kit-camera-mobile-error"' in html


def test_saving_the_page_untouched_changes_nothing_and_says_so(client, sign_in, customer, seminar, monday, post_form):
    sign_in(customer)

    response = change(post_form, seminar, seminar_form(monday))

    assert response.status_code == 302
    portal = client.get("/portal/bookings").get_data(as_text=True)
    assert "Rien à modifier : la réservation « Séminaire » reste telle quelle." in portal
    assert [e.action for e in db.session.get(Booking, seminar).events] == ["create"]
