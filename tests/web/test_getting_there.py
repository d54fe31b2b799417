"""A visitor finds where to go: the site's address, access and map link on the search results, the
booking page and the booking's .ics; the space's picture where the sites file names one."""

from __future__ import annotations

from icalendar import Calendar

LA_COQUE_MAP = "https://www.openstreetmap.org/?mlat=43.3054&amp;mlon=5.367#map=17/43.3054/5.367"


def test_search_results_show_each_sites_address_and_its_map(client, sign_in, customer, monday):
    sign_in(customer)
    query = {"date": monday.isoformat(), "start": "09:00", "end": "12:00", "attendees": "8", "site": "la-coque"}
    page = client.get("/portal/", query_string=query).get_data(as_text=True)
    assert "Euroméditerranée, Marseille" in page
    assert f'href="{LA_COQUE_MAP}"' in page
    assert "sur OpenStreetMap" in page  # the link says where it leads, for a screen reader


def test_the_booking_page_tells_how_to_get_in_and_shows_the_space(client, sign_in, customer):
    sign_in(customer, lang="en")
    page = client.get("/portal/book/la-coque/salle-calanques").get_data(as_text=True)
    assert "Getting there" in page
    assert "Metro 2 Joliette" in page
    assert f'href="{LA_COQUE_MAP}"' in page
    assert 'src="/assets/img/spaces/salle-calanques.svg"' in page
    assert 'alt="Salle Calanques: a boardroom table for fourteen' in page
    assert client.get("/assets/img/spaces/salle-calanques.svg").status_code == 200


def test_the_venue_s_texts_are_in_french_on_french_pages(client, sign_in, customer):
    sign_in(customer)
    page = client.get("/portal/book/la-coque/salle-calanques").get_data(as_text=True)
    assert "Métro 2 Joliette, puis 5 minutes à pied" in page
    assert 'alt="Salle Calanques\u00a0: une table de réunion pour quatorze' in page
    assert "Metro 2 Joliette, then" not in page and "a boardroom table" not in page


def test_a_space_without_a_picture_shows_none(client, sign_in, customer):
    sign_in(customer)
    page = client.get("/portal/book/la-coque/salle-frioul").get_data(as_text=True)
    assert "img/spaces/" not in page
    assert "Métro 2 Joliette" in page


def test_the_bookings_ics_carries_the_address_the_access_and_the_map(client, sign_in, customer, make_booking):
    booking = make_booking(customer)
    sign_in(customer)
    (event,) = Calendar.from_ical(client.get(f"/bookings/{booking.id}.ics").data).walk("VEVENT")
    assert str(event["LOCATION"]) == "Salle Calanques, La Coque, Euroméditerranée, Marseille"
    description = str(event["DESCRIPTION"])
    assert "Accès : Métro 2 Joliette" in description
    assert "Plan : https://www.openstreetmap.org/?mlat=43.3054&mlon=5.367" in description


def test_an_english_readers_ics_tells_the_way_in_english(client, sign_in, customer, make_booking):
    booking = make_booking(customer)
    sign_in(customer, lang="en")
    (event,) = Calendar.from_ical(client.get(f"/bookings/{booking.id}.ics").data).walk("VEVENT")
    assert "Getting there: Metro 2 Joliette, then 5 minutes on foot" in str(event["DESCRIPTION"])
