"""Each notice arrives through a real SMTP server, reads back with the standard MIME parser, and its
invitation with icalendar: the right METHOD, the feeds' UID, a rising SEQUENCE, DTSTART in the site's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from clock import paris
from icalendar import Calendar

from booking import ical
from booking.extensions import db
from booking.models import Booking
from booking.services import alerts, bookings, checkin, mail, reminders, waitlist
from booking.services.bookings import BookingRequest


def deliver(now: datetime | None = None) -> dict:
    return mail.deliver_due(now or datetime.now(UTC))


def invitation_of(message) -> tuple[str, Calendar]:
    """The calendar part's Content-Type method and the VCALENDAR, parsed by icalendar."""
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part.get_param("method"), Calendar.from_ical(part.get_content())


def event_of(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


@pytest.fixture
def book(customer, monday):
    def make(space: str = "salle-calanques", hour: int = 10, *, user=None, hold: bool = False, title="Kick-off"):
        req = BookingRequest("la-coque", space, paris(monday, hour), paris(monday, hour + 2), title, 6)
        return bookings.book(user or customer, req, hold=hold)

    return make


@pytest.fixture
def approval_space(make_space):
    return make_space("salle-validee", requires_approval=True)


def only(smtp, address: str):
    (received,) = smtp.to(address)
    return received.message


def test_a_confirmed_booking_comes_with_a_request_invitation(smtp, book, customer, monday):
    booking = book()
    deliver()
    message = only(smtp, customer.email)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    method, calendar = invitation_of(message)
    event = event_of(calendar)
    assert method == "REQUEST" and calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == ical.booking_uid(booking.id)
    assert event["SEQUENCE"] == 1 and event["STATUS"] == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event["DTSTART"].dt == paris(monday, 10) and event["DTSTART"].dt.hour == 10
    assert str(event["ATTENDEE"]) == f"mailto:{customer.email}"
    assert str(event["ORGANIZER"]) == "mailto:reservations@onexperience.example"
    assert event["ORGANIZER"].params["CN"] == "La Coque"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"


def test_the_invitation_carries_the_same_uid_and_vtimezone_as_the_booking_s_calendar_file(smtp, book, customer, client):
    from pagekit import PASSWORD, csrf_of

    booking = book()
    deliver()
    _, invited = invitation_of(only(smtp, customer.email))
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": customer.email, "password": PASSWORD, "csrf_token": csrf_of(page)})
    downloaded = Calendar.from_ical(client.get(f"/bookings/{booking.id}.ics").data)
    assert event_of(invited)["UID"] == event_of(downloaded)["UID"]
    assert invited.walk("VTIMEZONE")[0].to_ical() == downloaded.walk("VTIMEZONE")[0].to_ical()


def test_sequence_rises_with_each_change_and_a_cancellation_cancels_the_same_event(smtp, book, customer, monday):
    booking = book()
    deliver()
    moved = bookings.reschedule(customer, booking.id, {"start": paris(monday, 14), "end": paris(monday, 16)},
                                version=booking.version)  # fmt: skip
    deliver()
    bookings.transition(customer, moved.id, "cancel")
    deliver()
    received = smtp.to(customer.email)
    assert [r.message["Subject"] for r in received] == [
        "Réservation confirmée : Kick-off", "Réservation modifiée : Kick-off", "Réservation annulée : Kick-off",
    ]  # fmt: skip
    invitations = [invitation_of(r.message) for r in received]
    assert [method for method, _ in invitations] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [event_of(calendar) for _, calendar in invitations]
    assert len({str(e["UID"]) for e in events}) == 1
    sequences = [e["SEQUENCE"] for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert events[1]["DTSTART"].dt.hour == 14
    assert events[2]["STATUS"] == "CANCELLED"


def test_a_booking_that_needs_approval_tells_the_booker_and_the_staff_then_the_decision(
    smtp, app, book, approval_space, customer, staff
):
    app.config["MAIL_STAFF_TO"] = "approvals@onexperience.example"
    booking = book("salle-validee")
    deliver()
    received = only(smtp, customer.email)
    assert received["Subject"] == "Réservation reçue : Kick-off"
    assert event_of(invitation_of(received)[1])["STATUS"] == "TENTATIVE"
    to_staff = only(smtp, "approvals@onexperience.example")
    assert to_staff["Subject"] == "À valider : Kick-off (Acme)"
    assert "http://127.0.0.1:8000/staff/approvals" in to_staff.get_body(("plain",)).get_content()
    assert not [p for p in to_staff.walk() if p.get_content_type() == "text/calendar"]  # nothing for their calendar

    bookings.transition(staff, booking.id, "approve")
    deliver()
    approved = smtp.to(customer.email)[-1].message
    assert approved["Subject"] == "Réservation acceptée : Kick-off"
    method, calendar = invitation_of(approved)
    assert method == "REQUEST" and event_of(calendar)["STATUS"] == "CONFIRMED" and event_of(calendar)["SEQUENCE"] == 2


def test_a_rejection_cancels_the_tentative_event_and_says_why(smtp, book, approval_space, customer, staff):
    booking = book("salle-validee")
    bookings.transition(staff, booking.id, "reject", reason="The room is closed for works that week")
    deliver()
    rejected = smtp.to(customer.email)[-1].message
    assert rejected["Subject"] == "Réservation refusée : Kick-off"
    assert "The room is closed for works that week" in rejected.get_body(("plain",)).get_content()
    method, calendar = invitation_of(rejected)
    assert method == "CANCEL" and event_of(calendar)["STATUS"] == "CANCELLED"


def test_a_person_reads_their_mail_in_their_own_language(smtp, book, make_user):
    english = make_user("customer", org="acme", email="en@acme.example")
    english.locale = "en"
    db.session.commit()
    book(user=english)
    deliver()
    message = only(smtp, "en@acme.example")
    assert message["Subject"] == "Booking confirmed: Kick-off"
    assert message["Content-Language"] == "en"
    assert "Your booking is confirmed" in message.get_body(("html",)).get_content()
    assert "Monday" in message.get_body(("plain",)).get_content()


def test_a_no_show_release_cancels_the_event(smtp, make_space, customer, monday):
    make_space("salle-manuelle", manual_checkin=True, checkin_grace_minutes=15)
    req = BookingRequest("la-coque", "salle-manuelle", paris(monday, 10), paris(monday, 12), "Kick-off", 6)
    booking = bookings.book(customer, req)
    sensors = checkin.SensorView(health=lambda *_: "missing", presence=lambda *_: False)
    assert [b.id for b in checkin.release_no_shows(paris(monday, 10, 30), sensors)] == [booking.id]
    deliver()
    released = smtp.to(customer.email)[-1].message
    assert released["Subject"] == "Réservation libérée : Kick-off"
    assert invitation_of(released)[0] == "CANCEL"


def test_a_hold_is_told_before_it_lapses_and_when_it_has(smtp, app, book, customer):
    app.config["HOLD_TTL_MINUTES"] = 15
    hold = book(hold=True)
    deliver()
    assert smtp.received == []  # making a hold tells nobody: the person is on the page
    soon = hold.hold_expires_at - timedelta(minutes=4)
    assert reminders.queue_due(soon)["lapsing_holds"] == 1
    assert reminders.queue_due(soon + timedelta(minutes=1))["lapsing_holds"] == 0  # once
    deliver(soon)
    warned = only(smtp, customer.email)
    assert warned["Subject"].startswith("Confirmez votre option avant")
    assert invitation_of(warned)[0] == "REQUEST"
    bookings.expire_holds(hold.hold_expires_at + timedelta(seconds=1))
    deliver(hold.hold_expires_at + timedelta(seconds=2))
    lapsed = smtp.to(customer.email)[-1].message
    assert lapsed["Subject"] == "Option expirée : Kick-off"
    assert invitation_of(lapsed)[0] == "CANCEL"


def test_a_waitlist_offer_tells_who_waited_how_long_the_hold_lasts(smtp, book, make_user, customer, monday):
    taken = book()
    waiting = make_user("customer", org="rival", email="waiting@rival.example")
    req = BookingRequest("la-coque", "salle-calanques", paris(monday, 10), paris(monday, 12), "Our turn", 6)
    waitlist.join(waiting, req)
    bookings.transition(customer, taken.id, "cancel")
    deliver()
    offered = only(smtp, "waiting@rival.example")
    assert offered["Subject"] == "Un espace que vous attendiez est libre : Our turn"
    assert "jusqu’à" in offered.get_body(("plain",)).get_content()
    method, calendar = invitation_of(offered)
    assert method == "REQUEST" and event_of(calendar)["STATUS"] == "TENTATIVE"


def test_the_reminder_the_day_before_says_where_how_to_get_in_and_how_to_check_in(smtp, book, customer, monday):
    booking = book()
    db.session.execute(db.update(Booking).values(created_at=paris(monday, 10) - timedelta(days=5)))
    db.session.commit()
    deliver()
    day_before = booking.start_at - timedelta(hours=20)
    assert reminders.queue_due(day_before)["reminders"] == 1
    assert reminders.queue_due(day_before + timedelta(hours=1))["reminders"] == 0
    deliver(day_before)
    reminder = smtp.to(customer.email)[-1].message
    assert reminder["Subject"] == "Demain : Kick-off"
    text = reminder.get_body(("plain",)).get_content()
    assert "Métro 2 Joliette" in text  # the site's access instructions, in the recipient's French
    assert "Signaler l’arrivée" in text
    assert "/account/reminders/stop/" in text
    assert invitation_of(reminder)[0] == "REQUEST"


def test_no_reminder_for_a_booking_made_within_the_day(smtp, book):
    booking = book()
    db.session.execute(db.update(Booking).values(created_at=booking.start_at - timedelta(hours=3)))
    db.session.commit()
    assert reminders.queue_due(booking.start_at - timedelta(hours=2))["reminders"] == 0


def test_the_reminder_s_link_stops_reminders_after_a_click_on_its_button(smtp, book, customer, client, monday):
    import re

    from pagekit import csrf_of

    booking = book()
    db.session.execute(db.update(Booking).values(created_at=paris(monday, 10) - timedelta(days=5)))
    db.session.commit()
    deliver()  # the confirmation
    reminders.queue_due(booking.start_at - timedelta(hours=20))
    deliver(booking.start_at - timedelta(hours=20))
    text = smtp.to(customer.email)[-1].message.get_body(("plain",)).get_content()
    (link,) = re.findall(r"http://127\.0\.0\.1:8000(/account/reminders/stop/\S+)", text)
    page = client.get(link)
    assert page.status_code == 200
    db.session.refresh(customer)
    assert customer.remind_day_before  # opening the link (a mail scanner does) changes nothing
    client.post(link, data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    db.session.refresh(customer)
    assert not customer.remind_day_before
    moved = bookings.reschedule(customer, booking.id, {"start": paris(monday, 14), "end": paris(monday, 16)},
                                version=booking.version)  # fmt: skip
    assert reminders.queue_due(moved.start_at - timedelta(hours=20))["reminders"] == 0


def test_staff_hear_of_an_over_capacity_alert_at_their_address(smtp, app, book, monday):
    app.config["MAIL_STAFF_TO"] = "ops@onexperience.example, security@onexperience.example"
    booking = book()
    alerts.raise_alert("over_capacity", booking.space, booking=booking, message="14 people for 10 seats")
    alerts.raise_alert("in_use_without_booking", booking.space)  # for the page only
    deliver()
    for address in ("ops@onexperience.example", "security@onexperience.example"):
        message = only(smtp, address)
        assert message["Subject"] == "Alerte : Capacité dépassée, Salle Calanques à La Coque"
        assert "14 people for 10 seats" in message.get_body(("plain",)).get_content()


def test_a_confirmation_tells_how_to_get_there_with_the_map(smtp, book, customer):
    book()
    deliver()
    message = only(smtp, customer.email)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Métro 2 Joliette, puis 5 minutes à pied" in text
    assert "https://www.openstreetmap.org/?mlat=43.3054&mlon=5.367" in text
    assert 'href="https://www.openstreetmap.org/?mlat=43.3054&amp;mlon=5.367' in html
    event = event_of(invitation_of(message)[1])
    assert str(event["LOCATION"]) == "Salle Calanques, La Coque, Euroméditerranée, Marseille"
    assert "Accès : Métro 2 Joliette" in str(event["DESCRIPTION"])


def test_a_visitor_reading_english_is_told_the_way_in_english(smtp, book, customer):
    customer.locale = "en"
    db.session.commit()
    book()
    deliver()
    message = only(smtp, customer.email)
    for part in ("plain", "html"):
        body = message.get_body((part,)).get_content()
        assert "Metro 2 Joliette, then 5 minutes on foot" in body
        assert "Métro" not in body
    assert "Getting there: Metro 2 Joliette" in str(event_of(invitation_of(message)[1])["DESCRIPTION"])
