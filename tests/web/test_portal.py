"""The company portal: search with quotes, book (once, repeated, roadshow), my bookings, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.extensions import db
from booking.models import Booking


@pytest.fixture
def company_in(client, sign_in, customer):
    sign_in(customer)
    return customer


@pytest.fixture
def rival(make_user):
    return make_user("customer", org="rival")


def search(client, day, **args):
    query = {"date": day.isoformat(), "start": "09:00", "end": "12:00", "attendees": "10", "site": "la-coque"}
    query.update(args)
    return client.get("/portal/", query_string=query)


def book_form(post_form, day, space="salle-calanques", **fields):
    data = {"title": "Kick-off", "date": day.isoformat(), "start": "10:00", "end": "12:00", "attendees": "8"}
    data.update(fields)
    page = f"/portal/book/la-coque/{space}"
    return post_form(page, page, **data)


def bookings_of(org_slug: str) -> list[Booking]:
    db.session.expire_all()
    return [b for b in db.session.query(Booking).order_by(Booking.start_at) if b.organisation.slug == org_slug]


def test_search_lists_free_spaces_with_their_price_in_french(client, company_in, monday):
    page = search(client, monday).get_data(as_text=True)
    assert 'data-space="la-coque/salle-calanques"' in page
    assert "216,00\xa0€" in page  # 3 hours at 60 € = 180 € excl. VAT, 216 € incl.
    assert "TTC" in page


def test_search_leaves_out_taken_and_too_small_spaces(client, company_in, rival, make_booking, monday):
    make_booking(rival, "salle-calanques", 10, 11)
    page = search(client, monday).get_data(as_text=True)
    assert 'data-space="la-coque/salle-calanques"' not in page
    assert 'data-space="la-coque/salle-frioul"' not in page  # 8 seats for 10 people
    assert "Rival" not in page


@pytest.mark.parametrize(
    "args, field, message",
    [
        ({"end": "08:00"}, "end", "La fin doit être après le début."),  # end before start
        ({"attendees": "0"}, "attendees", "Entre 1 et 2000 personnes."),  # nobody
        ({"date": ""}, "date", "Veuillez remplir ce champ."),  # no day
        # longer than any space of the site can be booked (the showroom: 12 hours)
        ({"start": "07:00", "end": "20:00"}, "end", "Aucun espace ne se réserve pour plus de 720 minutes"),
    ],
)
def test_search_rejects_bad_input_next_to_the_field_in_french(client, company_in, monday, args, field, message):
    response = search(client, monday, **args)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page
    assert message in page.split(f'id="{field}-error"')[1][:300]


def test_search_messages_are_english_for_english_readers(client, sign_in, customer, monday):
    sign_in(customer, lang="en")
    page = search(client, monday, end="08:00").get_data(as_text=True)
    assert "The end must be after the start." in page


def test_booking_a_space_shows_it_in_my_bookings(client, company_in, post_form, monday):
    response = book_form(post_form, monday)
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/bookings"
    page = client.get("/portal/bookings").get_data(as_text=True)
    assert "Kick-off" in page and "Confirmée" in page
    assert "144,00\xa0€" in page  # 2 hours at 60 €, plus VAT
    [booking] = bookings_of("acme")
    assert (
        booking.start_at.astimezone(
            booking.space.site.timezone and __import__("zoneinfo").ZoneInfo("Europe/Paris")
        ).hour
        == 10
    )


def test_booking_too_many_people_says_why_next_to_attendees_in_french(client, company_in, post_form, monday):
    response = book_form(post_form, monday, attendees="30")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="attendees-error"' in page
    assert "30 personnes, c’est plus que cet espace ne peut accueillir (24)." in page
    assert bookings_of("acme") == []


def test_booking_a_taken_time_is_refused_without_naming_who_took_it(
    client, company_in, rival, make_booking, post_form, monday
):
    make_booking(rival, "salle-calanques", 11, 13, title="Secret merger")
    page = book_form(post_form, monday).get_data(as_text=True)
    assert "Cet espace est déjà réservé sur ce créneau." in page
    assert "Secret merger" not in page and "Rival" not in page


def test_a_hold_can_be_confirmed_from_my_bookings(client, company_in, post_form, monday):
    book_form(post_form, monday, hold="y")
    [booking] = bookings_of("acme")
    assert booking.status == "hold"
    post_form("/portal/bookings", f"/portal/bookings/{booking.id}/confirm")
    assert bookings_of("acme")[0].status == "confirmed"


def test_a_weekly_series_books_every_date(client, company_in, post_form, monday):
    book_form(post_form, monday, repeat="WEEKLY", count="3")
    days = [b.start_at.date() for b in bookings_of("acme")]
    assert days == [monday, monday + timedelta(weeks=1), monday + timedelta(weeks=2)]


def test_a_series_with_a_taken_date_books_nothing_unless_asked(
    client, company_in, rival, make_booking, post_form, monday
):
    make_booking(rival, day=monday + timedelta(days=1))
    page = book_form(post_form, monday, repeat="DAILY", count="3").get_data(as_text=True)
    assert "1 date de la série n’est pas libre." in page
    assert bookings_of("acme") == []
    book_form(post_form, monday, repeat="DAILY", count="3", skip_conflicts="y")
    assert len(bookings_of("acme")) == 2


def test_a_roadshow_books_every_stop(client, company_in, post_form, monday):
    response = post_form(
        "/portal/roadshow", "/portal/roadshow", title="Tour", attendees="10",
        **{"legs-0-space": "la-coque/salle-calanques", "legs-0-date": monday.isoformat(), "legs-0-start": "10:00",
           "legs-0-end": "12:00", "legs-1-space": "chateau-des-baumes/salle-etang",
           "legs-1-date": (monday + timedelta(days=1)).isoformat(), "legs-1-start": "10:00", "legs-1-end": "12:00"},
    )  # fmt: skip
    assert response.status_code == 302
    booked = bookings_of("acme")
    assert [b.space.slug for b in booked] == ["salle-calanques", "salle-etang"]
    assert booked[0].group_id == booked[1].group_id


def test_a_roadshow_with_a_taken_stop_books_nothing_and_marks_the_stop(
    client, company_in, rival, make_booking, post_form, monday
):
    make_booking(rival, "salle-calanques", 10, 12)
    page = post_form(
        "/portal/roadshow", "/portal/roadshow", title="Tour", attendees="10",
        **{"legs-0-space": "chateau-des-baumes/salle-etang", "legs-0-date": monday.isoformat(), "legs-0-start": "10:00",
           "legs-0-end": "12:00", "legs-1-space": "la-coque/salle-calanques", "legs-1-date": monday.isoformat(),
           "legs-1-start": "10:00", "legs-1-end": "12:00"},
    ).get_data(as_text=True)  # fmt: skip
    assert bookings_of("acme") == []
    assert 'id="legs-1-space-error"' in page
    assert 'id="legs-0-space-error"' not in page


def test_a_roadshow_stop_without_its_date_says_so(client, company_in, post_form, monday):
    page = post_form(
        "/portal/roadshow", "/portal/roadshow", title="Tour", attendees="10",
        **{"legs-0-space": "la-coque/salle-calanques", "legs-0-start": "10:00", "legs-0-end": "12:00"},
    ).get_data(as_text=True)  # fmt: skip
    assert 'id="legs-0-date-error"' in page
    assert 'id="legs-1-date-error"' not in page  # an empty stop is not an error


def test_cancelling_from_my_bookings(client, company_in, make_booking, post_form):
    booking = make_booking(company_in)
    post_form("/portal/bookings", f"/portal/bookings/{booking.id}/cancel")
    assert bookings_of("acme")[0].status == "cancelled"
    assert "Annulée" in client.get("/portal/bookings").get_data(as_text=True)


def test_my_bookings_never_show_another_companys(client, company_in, rival, make_booking):
    make_booking(rival, title="Secret merger")
    page = client.get("/portal/bookings").get_data(as_text=True)
    assert "Secret merger" not in page


def test_a_company_cannot_cancel_another_companys_booking(client, company_in, rival, make_booking, post_form):
    theirs = make_booking(rival)
    post_form("/portal/bookings", f"/portal/bookings/{theirs.id}/cancel")
    assert bookings_of("rival")[0].status == "confirmed"


def test_a_rejected_booking_shows_the_reason_staff_gave(client, company_in, staff, make_booking):
    from booking.services import bookings

    booking = make_booking(company_in, "showroom", 14, 17, title="Launch")
    bookings.transition(staff, booking.id, "reject", reason="Closed for works")
    page = client.get("/portal/bookings").get_data(as_text=True)
    assert "Refusée" in page
    assert "Motif\u00a0: Closed for works" in page
