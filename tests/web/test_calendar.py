"""The staff calendar (day and week), today's overview, and the approvals queue."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest

from booking.extensions import db
from booking.models import Booking


@pytest.fixture
def staff_in(client, sign_in, staff):
    sign_in(staff)
    return staff


def test_day_view_shows_each_booking_with_company_status_and_buffers(client, staff_in, customer, make_booking, monday):
    make_booking(customer, "salle-calanques", 10, 12, title="Kick-off")  # 15 min teardown
    make_booking(customer, "showroom", 14, 17, title="Launch")  # pending: the showroom needs approval
    page = client.get(f"/staff/calendar/la-coque?day={monday.isoformat()}").get_data(as_text=True)
    assert "Kick-off" in page and "Launch" in page
    assert "Acme" in page
    assert "Confirmée" in page and "En attente de validation" in page
    assert "bloqué 10:00–12:15" in page  # the teardown buffer
    assert "bloqué 13:00–18:00" in page  # the showroom's hour of setup and of teardown
    assert page.count('class="bar-buffer"') == 3


def test_day_view_has_a_row_and_an_occupancy_badge_per_space(client, staff_in):
    page = client.get("/staff/calendar/la-coque").get_data(as_text=True)
    for space in ("showroom", "plateau-tv", "studio-webinar", "salle-calanques", "salle-frioul"):
        assert f'data-space-row="{space}"' in page
        assert f'data-site="la-coque" data-space="{space}"' in page
    assert 'data-occupancy-stream="/api/v1/sites/la-coque/occupancy/stream"' in page


def test_week_view_puts_bookings_under_their_day(client, staff_in, customer, make_booking, monday):
    make_booking(customer, day=monday + timedelta(days=2), title="Wednesday workshop")
    page = client.get(f"/staff/calendar/la-coque?day={monday.isoformat()}&view=week").get_data(as_text=True)
    assert "Wednesday workshop" in page
    assert "mer." in page  # French day names in the header


def test_calendar_of_another_day_does_not_show_the_booking(client, staff_in, customer, make_booking, monday):
    make_booking(customer, title="Kick-off")
    page = client.get(f"/staff/calendar/la-coque?day={(monday + timedelta(days=1)).isoformat()}").get_data(as_text=True)
    assert "Kick-off" not in page


def test_overview_lists_every_site(client, staff_in):
    page = client.get("/staff/").get_data(as_text=True)
    for name in ("La Coque", "Château des Baumes", "Carrefour de l&#39;innovation"):
        assert name in page


@pytest.mark.parametrize(
    "url",
    [
        "/staff/",  # today across sites
        "/staff/calendar/la-coque",  # a site's calendar, every company's bookings
        "/staff/calendar/la-coque?view=week",
        "/staff/approvals",  # other companies' pending requests
    ],
)
def test_a_company_cannot_open_staff_pages(client, sign_in, customer, make_user, make_booking, url):
    make_booking(make_user("customer", org="rival"), "showroom", 14, 17, title="Secret merger")
    sign_in(customer)
    response = client.get(url)
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)
    assert "Secret merger" not in response.get_data(as_text=True)


def test_a_company_cannot_approve_its_own_pending_booking(client, sign_in, post_form, customer, make_booking):
    booking = make_booking(customer, "showroom", 14, 17, title="Launch")
    sign_in(customer)
    assert post_form("/portal/bookings", f"/staff/bookings/{booking.id}/approve").status_code == 403
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "pending"


def test_approving_a_pending_booking_confirms_it(client, staff_in, customer, make_booking, post_form):
    booking = make_booking(customer, "showroom", 14, 17, title="Launch")
    response = post_form("/staff/approvals", f"/staff/bookings/{booking.id}/approve")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "confirmed"


def test_rejecting_needs_a_reason_shown_next_to_the_field(client, staff_in, customer, make_booking, post_form):
    booking = make_booking(customer, "showroom", 14, 17, title="Launch")
    response = post_form(
        "/staff/approvals", f"/staff/bookings/{booking.id}/reject", **{f"reject-{booking.id}-reason": ""}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="reject-{booking.id}-reason-error"' in page
    assert "Indiquez pourquoi la réservation est refusée." in page
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "pending"


def test_rejecting_with_a_reason_records_it(client, staff_in, customer, make_booking, post_form):
    booking = make_booking(customer, "showroom", 14, 17, title="Launch")
    post_form(
        "/staff/approvals",
        f"/staff/bookings/{booking.id}/reject",
        **{f"reject-{booking.id}-reason": "Closed for works"},
    )
    db.session.expire_all()
    rejected = db.session.get(Booking, booking.id)
    assert rejected.status == "rejected"
    assert rejected.events[-1].detail == {"reason": "Closed for works"}


class WeekGrid(HTMLParser):
    """The week view's table read back: {space slug: [the booking ids in each day's cell, Monday first]}."""

    def __init__(self, page: str):
        super().__init__()
        self.rows: dict[str, list[list[int]]] = {}
        self._row: list[list[int]] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-space-row" in attrs:
            self._row = self.rows.setdefault(attrs["data-space-row"], [])
        elif tag == "td" and self._row is not None:
            self._row.append([])
        elif "data-booking" in attrs and self._row is not None:
            self._row[-1].append(int(attrs["data-booking"]))

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None


def test_a_full_week_of_a_large_site_puts_every_booking_in_its_own_cell(
    client, staff_in, customer, make_space, make_booking, monday
):
    rooms = [make_space(f"room-{n:02d}").slug for n in range(1, 9)]
    expected = {room: [[] for _ in range(7)] for room in rooms}
    for room in rooms:
        for offset in range(7):
            # 00:00-01:00 in Paris is still the day before in UTC: the cell is the venue's local day
            for start in (0, 9, 20):
                booking = make_booking(customer, room, start, start + 1, day=monday + timedelta(days=offset))
                expected[room][offset].append(booking.id)
    make_booking(customer, rooms[0], 22, 23, day=monday - timedelta(days=1), title="Sunday before")
    make_booking(customer, rooms[0], 0, 1, day=monday + timedelta(days=7), title="Monday after")

    page = client.get(f"/staff/calendar/la-coque?day={monday.isoformat()}&view=week").get_data(as_text=True)

    grid = WeekGrid(page).rows
    assert {room: grid[room] for room in rooms} == expected  # each cell in time order, none elsewhere
    assert "Sunday before" not in page and "Monday after" not in page
