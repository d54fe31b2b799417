"""Messages that say what happened: the dates a series left out and why, why a search found nothing,
and which roadshow stop was taken, named by its space and time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.extensions import db
from booking.models import Booking, Closure, Site


@pytest.fixture
def company_in(client, sign_in, customer):
    sign_in(customer)
    return customer


@pytest.fixture
def close_la_coque():
    def close(day, reason="Inventaire"):
        site = db.session.scalar(db.select(Site).where(Site.slug == "la-coque"))
        db.session.add(Closure(site_id=site.id, starts_on=day, ends_on=day, reason=reason))
        db.session.commit()

    return close


def search(client, day, **args):
    query = {"date": day.isoformat(), "start": "10:00", "end": "12:00", "attendees": "8", "site": "la-coque"}
    return client.get("/portal/", query_string=query | args).get_data(as_text=True)


def book_weekly(post_form, day, **fields):
    page = "/portal/book/la-coque/salle-calanques"
    data = {"title": "Kick-off", "date": day.isoformat(), "start": "10:00", "end": "12:00", "attendees": "8",
            "repeat": "WEEKLY", "count": "3", "skip_conflicts": "y"} | fields  # fmt: skip
    return post_form(page, page, **data)


def test_a_series_says_which_dates_it_left_out_and_why(
    client, company_in, make_user, make_booking, close_la_coque, post_form, monday
):
    close_la_coque(monday + timedelta(weeks=1))
    make_booking(make_user("customer", org="rival"), day=monday + timedelta(weeks=2))
    book_weekly(post_form, monday)
    page = client.get("/portal/bookings").get_data(as_text=True)
    assert "1 date réservée." in page
    assert '<p class="flash warning"' in page  # what was asked for happened: not an error box
    closed, taken = (monday + timedelta(weeks=w) for w in (1, 2))
    assert "2 dates écartées" in page
    assert f"{closed.day} " in page and "L’espace est fermé ce jour-là." in page
    assert f"{taken.day} " in page and "déjà réservé" in page


def test_an_empty_search_on_a_sunday_says_nothing_is_open(client, company_in, monday):
    page = search(client, monday + timedelta(days=6))
    assert "Rien n’est ouvert un dimanche" in page
    assert "moins de personnes" not in page


def test_an_empty_search_on_a_closure_gives_its_reason(client, company_in, close_la_coque, monday):
    close_la_coque(monday, reason="Inventaire annuel")
    page = search(client, monday)
    assert "Tous les espaces sont fermés ce jour-là (Inventaire annuel)." in page


def test_an_empty_search_in_the_past_says_so(client, company_in, monday):
    page = search(client, monday - timedelta(weeks=3))
    assert "Ce créneau est déjà passé." in page


def test_an_empty_search_for_too_many_people_names_the_largest_space(client, company_in, monday):
    page = search(client, monday, attendees="500")
    assert "Aucun espace n’accueille 500 personnes : le plus grand en accueille 300." in page


def test_a_search_where_every_space_is_just_taken_keeps_the_general_advice(
    client, company_in, make_user, make_booking, monday
):
    make_booking(make_user("customer", org="rival"), "plateau-tv", 10, 12, attendees=6)
    page = search(client, monday, equipment="green-screen")
    assert "Essayez un autre horaire" in page


def test_a_taken_roadshow_stop_is_named_by_its_space_and_time(
    client, company_in, make_user, make_booking, post_form, monday
):
    make_booking(make_user("customer", org="rival"), "salle-calanques", 10, 12)
    page = post_form(
        "/portal/roadshow", "/portal/roadshow", title="Tour", attendees="10",
        **{"legs-0-space": "chateau-des-baumes/salle-etang", "legs-0-date": monday.isoformat(), "legs-0-start": "10:00",
           "legs-0-end": "12:00", "legs-1-space": "la-coque/salle-calanques", "legs-1-date": monday.isoformat(),
           "legs-1-start": "10:00", "legs-1-end": "12:00"},
    ).get_data(as_text=True)  # fmt: skip
    assert "Étape 2, Salle Calanques à La Coque" in page and "10:00–12:00, est déjà réservée." in page
    assert "[1]" not in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Booking)) == 1  # only the rival's
