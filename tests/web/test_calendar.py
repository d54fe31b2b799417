"""The staff calendar (day and week), today's overview, and the approvals queue."""

from __future__ import annotations

from datetime import timedelta

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
    assert "installation dès 10:00, libre à 12:15" in page  # the teardown buffer
    assert "installation dès 13:00, libre à 18:00" in page  # the showroom's hour of setup and of teardown
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


def test_a_company_cannot_open_the_staff_calendar(client, sign_in, customer):
    sign_in(customer)
    response = client.get("/staff/calendar/la-coque")
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)


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
