"""The staff desk: staff book on a company's behalf from the pages, and find every booking by filter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.extensions import db
from booking.models import Booking


@pytest.fixture
def staff_in(client, sign_in, staff):
    sign_in(staff)
    return staff


@pytest.fixture
def acme(make_org):
    return make_org("acme", name="Acme")


def book_for(post_form, day, organisation="acme", space="salle-calanques", **fields):
    data = {"organisation": organisation, "title": "Appel de Mme Roux", "date": day.isoformat(),
            "start": "10:00", "end": "12:00", "attendees": "8"} | fields  # fmt: skip
    page = f"/portal/book/la-coque/{space}"
    return post_form(page, page, **data)


def only_booking() -> Booking:
    db.session.expire_all()
    (booking,) = db.session.query(Booking).all()
    return booking


def test_staff_choose_the_company_in_the_booking_form(client, staff_in, acme):
    page = client.get("/portal/book/la-coque/salle-calanques").get_data(as_text=True)
    assert 'name="organisation"' in page
    assert '<option value="acme">Acme</option>' in page


def test_a_company_books_for_itself_and_sees_no_company_field(client, sign_in, customer):
    sign_in(customer)
    page = client.get("/portal/book/la-coque/salle-calanques").get_data(as_text=True)
    assert 'name="organisation"' not in page


def test_staff_booking_on_behalf_makes_the_company_the_booker_and_staff_the_creator(
    client, staff_in, acme, post_form, monday
):
    response = book_for(post_form, monday)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/bookings?organisation=acme")
    booking = only_booking()
    assert booking.organisation.slug == "acme"
    assert booking.created_by_id == staff_in.id
    (created,) = booking.events
    assert (created.action, created.actor_id, created.detail["on_behalf_of"]) == ("create", staff_in.id, "acme")


def test_staff_must_name_the_company(client, staff_in, acme, post_form, monday):
    response = book_for(post_form, monday, organisation="")
    assert response.status_code == 422
    assert "Choisissez l’entreprise pour laquelle vous réservez." in response.get_data(as_text=True)
    assert db.session.query(Booking).count() == 0


def test_a_company_sending_another_company_in_the_form_books_for_itself_only(
    client, sign_in, customer, make_org, post_form, monday
):
    make_org("rival", name="Rival")
    sign_in(customer)
    assert book_for(post_form, monday, organisation="rival").status_code == 302
    assert only_booking().organisation.slug == "acme"  # the field is not the company's to send


def test_the_booking_made_on_behalf_is_in_the_company_portal(client, sign_in, staff, customer, post_form, monday):
    sign_in(staff)
    book_for(post_form, monday, title="Séminaire commandé par téléphone")
    post_form("/staff/bookings", "/logout")
    sign_in(customer)
    assert "Séminaire commandé par téléphone" in client.get("/portal/bookings").get_data(as_text=True)


def test_the_desk_lists_bookings_by_company_with_who_booked(client, staff_in, customer, make_user, make_booking):
    rival = make_user("customer", org="rival")
    make_booking(customer, title="Acme meeting")
    make_booking(rival, "salle-frioul", title="Rival meeting")
    make_booking(staff_in, "showroom", 14, 16, title="Phoned in", organisation="acme")
    page = client.get("/staff/bookings", query_string={"organisation": "acme"}).get_data(as_text=True)
    assert "Acme meeting" in page and "Phoned in" in page
    assert "Rival meeting" not in page
    assert f"réservé par {staff_in.email}" in page


@pytest.mark.parametrize(
    "query, titles",
    [
        ({}, ["Monday", "Cancelled", "Next Monday"]),  # from today on, whatever their status
        ({"site": "chateau-des-baumes"}, []),
        ({"status": "cancelled"}, ["Cancelled"]),
        ({"since": "{next}"}, ["Next Monday"]),
        ({"until": "{monday}"}, ["Monday", "Cancelled"]),  # the whole day named
    ],
)
def test_the_desk_filters_by_site_status_and_dates(client, staff_in, customer, make_booking, monday, query, titles):
    from booking.services import bookings

    make_booking(customer, title="Monday")
    make_booking(customer, day=monday + timedelta(weeks=1), title="Next Monday")
    cancelled = make_booking(customer, "salle-calanques", 14, 15, title="Cancelled")
    bookings.transition(customer, cancelled.id, "cancel")
    days = {"monday": monday.isoformat(), "next": (monday + timedelta(weeks=1)).isoformat()}
    query = {key: value.format(**days) for key, value in query.items()}
    page = client.get("/staff/bookings", query_string=query).get_data(as_text=True)
    shown = sorted((page.index(f">{t}<"), t) for t in ("Monday", "Next Monday", "Cancelled") if f">{t}<" in page)
    assert [t for _at, t in shown] == titles


def test_each_row_of_the_desk_and_of_the_approvals_opens_the_booking(client, staff_in, customer, make_booking):
    meeting = make_booking(customer, title="Acme meeting")
    launch = make_booking(customer, "showroom", 10, 14, title="Launch", attendees=50)  # waits for approval
    desk = client.get("/staff/bookings").get_data(as_text=True)
    for booking in (meeting, launch):
        row = desk[desk.index(f'id="booking-{booking.id}"') :]
        row = row[: row.index("</tr>")]
        assert f'href="/staff/bookings/{booking.id}">{booking.title}</a>' in row
    approvals = client.get("/staff/approvals").get_data(as_text=True)
    assert f'href="/staff/bookings/{launch.id}">Launch</a>' in approvals


def test_the_desk_is_for_staff_only(client, sign_in, customer):
    sign_in(customer)
    assert client.get("/staff/bookings").status_code == 403


def test_a_taken_slot_offers_what_is_free_instead_each_with_a_link_to_book_it(
    client, sign_in, customer, make_user, make_booking, post_form, monday
):
    make_booking(make_user("customer", org="rival"), "salle-calanques", 10, 12)
    sign_in(customer)
    page = "/portal/book/la-coque/salle-calanques"
    fields = {"title": "Kick-off", "date": monday.isoformat(), "start": "10:00", "end": "12:00", "attendees": "8"}
    response = post_form(page, page, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Libre à la place" in html
    assert 'data-alternative="other_time" data-space="la-coque/salle-calanques"' in html
    assert 'data-alternative="other_space"' in html and "à la même heure" in html
    # e.g. the same room from 12:30, once the booking in the way and its teardown are over
    assert f"/portal/book/la-coque/salle-calanques?date={monday.isoformat()}&amp;start=12:30&amp;end=14:30" in html
    assert "Rival" not in html


def test_staff_see_the_same_suggestions_and_keep_the_company_when_they_follow_one(
    client, staff_in, acme, make_user, make_booking, post_form, monday
):
    make_booking(make_user("customer", org="rival"), "salle-calanques", 10, 12)
    html = book_for(post_form, monday).get_data(as_text=True)
    assert "organisation=acme" in html.split("Libre à la place")[1]
