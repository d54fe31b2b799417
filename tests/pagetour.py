"""Every page of the portal and the staff side, with enough in them to be worth looking at.

The browser tests that go over every page (no sideways scroll on a phone, the accessibility
audit, the screenshots) share this tour: one list of pages, one day of bookings, alerts,
sensors, mail, displays and feeds. A page added to the app belongs in ``PAGES`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from clock import paris


@dataclass(frozen=True)
class Visit:
    name: str  # the screenshot's name
    path: str
    who: str | None  # "customer", "staff", or None for a visitor who is not signed in


def pages(monday: date) -> list[Visit]:
    """What a company's person, a venue's staff member and a visitor open, with realistic queries."""
    day = monday.isoformat()
    search = f"/portal/?date={day}&start=10:00&end=12:00&attendees=8"
    book = f"/portal/book/la-coque/salle-calanques?date={day}&start=14:00&end=16:00&attendees=8"
    launch, breakfasts, breakfast = filled()
    return [
        Visit("login", "/login", None),
        Visit("signup", "/signup", None),
        Visit("forgot-password", "/login/forgot", None),
        Visit("not-found", "/portal/nowhere", "customer"),
        Visit("portal-search", "/portal/", "customer"),
        Visit("portal-results", search, "customer"),
        Visit("portal-results-equipment", search + "&equipment=screen&equipment=wifi", "customer"),
        Visit("portal-results-sunday", search.replace(day, (monday + timedelta(days=6)).isoformat()), "customer"),
        Visit("portal-book", book, "customer"),
        Visit("portal-roadshow", "/portal/roadshow", "customer"),
        Visit("portal-bookings", "/portal/bookings", "customer"),
        Visit("portal-bookings-filtered", "/portal/bookings?site=la-coque&status=confirmed", "customer"),
        Visit("portal-cancel", f"/portal/bookings/{launch}/cancel", "customer"),
        Visit("portal-cancel-series", f"/portal/series/{breakfasts}/cancel", "customer"),
        Visit("portal-cancel-following", f"/bookings/{breakfast}/cancel?scope=following", "customer"),
        Visit("portal-waitlist", "/portal/waitlist", "customer"),
        Visit("customer-feeds", "/feeds", "customer"),
        Visit("customer-account", "/account/", "customer"),
        Visit("customer-tokens", "/account/tokens/", "customer"),
        Visit("customer-password", "/account/password", "customer"),
        Visit("customer-colleagues", "/colleagues", "customer"),
        Visit("staff-overview", "/staff/", "staff"),
        Visit("staff-calendar-day", f"/staff/calendar/la-coque?day={day}", "staff"),
        Visit("staff-calendar-week", f"/staff/calendar/la-coque?day={day}&view=week", "staff"),
        Visit("staff-approvals", "/staff/approvals", "staff"),
        Visit("staff-booking", f"/staff/bookings/{launch}", "staff"),
        Visit("staff-bookings", "/staff/bookings", "staff"),
        Visit("staff-cancel", f"/bookings/{launch}/cancel", "staff"),
        Visit("staff-book-on-behalf", book + "&organisation=acme", "staff"),
        Visit("staff-companies", "/staff/companies", "staff"),
        Visit("staff-alerts", "/staff/alerts/", "staff"),
        Visit("staff-alerts-all", "/staff/alerts/?show=all", "staff"),
        Visit("staff-alerts-site", "/staff/alerts/?site=la-coque", "staff"),
        Visit("staff-sensors", "/staff/sensors/", "staff"),
        Visit("staff-sensors-site", "/staff/sensors/?site=la-coque", "staff"),
        Visit("staff-utilization", "/staff/utilization/", "staff"),
        Visit("staff-mail", "/staff/mail/", "staff"),
        Visit("staff-displays", "/staff/displays/", "staff"),
        Visit("staff-feeds", "/feeds", "staff"),
        Visit("staff-not-found", "/staff/nowhere", "staff"),
    ]


def filled() -> tuple[int, int, int]:
    """The ids ``fill`` gave the product launch, the breakfast series and its first date, whose cancel pages
    the tour opens."""
    from sqlalchemy import func

    from booking.extensions import db
    from booking.models import Booking, BookingGroup

    launch = db.session.scalar(db.select(Booking.id).where(Booking.title == "Lancement produit"))
    breakfasts = db.session.scalar(db.select(BookingGroup.id).where(BookingGroup.title == "Petit-déjeuner équipe"))
    breakfast = db.session.scalar(db.select(func.min(Booking.id)).where(Booking.group_id == breakfasts))
    db.session.commit()  # as release_database: no transaction left open for the live server to wait on
    return launch, breakfasts, breakfast


def fill(customer, staff, make_user, monday: date) -> None:
    """A busy fortnight at La Coque seen by Acme (``customer``) and by the venue's staff."""
    from booking.extensions import db
    from booking.models import User
    from booking.services import (
        accounts,
        alerts,
        bookings,
        catalog,
        colleagues,
        displays,
        feeds,
        mail,
        readings,
        sensors,
        signup,
        waitlist,
    )

    def req(space: str, day: date, start: int, end: int, title: str, attendees: int = 8, site: str = "la-coque"):
        return bookings.BookingRequest(site, space, paris(day, start), paris(day, end), title, attendees)

    rival = make_user("customer", org="rival")
    tuesday = monday + timedelta(days=1)
    bookings.book(customer, req("salle-calanques", monday, 10, 12, "Comité de pilotage"))
    bookings.book(customer, req("salle-frioul", monday, 14, 17, "Atelier design thinking"), hold=True)
    bookings.book(customer, req("showroom", tuesday, 9, 13, "Lancement produit", attendees=120))
    cancelled = bookings.book(customer, req("salle-frioul", tuesday, 9, 10, "Point d'étape"))
    bookings.transition(customer, cancelled.id, "cancel")
    breakfast = req("salle-calanques", tuesday, 8, 9, "Petit-déjeuner équipe")
    bookings.book_series(customer, breakfast, "FREQ=WEEKLY;COUNT=3")
    bookings.book_roadshow(
        customer,
        "Tournée Provence",
        [
            req("salle-etang", monday + timedelta(days=2), 10, 12, "Tournée Provence", site="chateau-des-baumes"),
            req("salle-sainte-victoire", monday + timedelta(days=3), 10, 12, "Tournée", site="carrefour-innovation"),
        ],
    )
    last_month = datetime.now(UTC) - timedelta(days=21)
    past_day = (last_month + timedelta(days=1)).date()
    while past_day.weekday() > 4:
        past_day += timedelta(days=1)
    bookings.book(customer, req("salle-calanques", past_day, 10, 12, "Revue trimestrielle"), now=last_month)
    bookings.book(rival, req("salle-calanques", monday, 14, 16, "Board meeting", attendees=6))
    waitlist.join(customer, req("salle-calanques", monday, 14, 16, "Réunion commerciale"))
    feeds.create_feed(customer, "organisation")
    accounts.create_token(customer, name="Intranet")
    feeds.create_feed(staff, "site", site="la-coque")

    space = catalog.get_space("la-coque", "salle-calanques")
    alerts.raise_alert("over_capacity", space, message="14 people for 12", detail={"count": 14})
    alerts.raise_alert("sensor_offline", catalog.get_space("la-coque", "showroom"), message="silent")
    counter = sensors.add_sensor("counter-calanques-entree-principale", site="la-coque", space="salle-calanques")
    sensors.add_sensor("pir-showroom", site="la-coque", space="showroom", kind="presence")
    now = datetime.now(UTC)
    readings.record_readings(
        readings.Batch(readings=[readings.SensorReading(counter.id, now, now, count=5, battery=12)]), now
    )
    displays.create_display("la-coque", "salle-calanques", name="Porte de la salle Calanques", actor=staff)
    displays.create_display("la-coque", name="Accueil", actor=staff)
    customer.company_admin = True
    db.session.commit()
    colleagues.invite(customer, "bob.martin@acme.example", "Bob Martin")
    signup.sign_up(
        signup.SignupRequest(
            "claire@solaire-provence.example", "Claire Fabre", "correct horse battery", "fr", "Solaire Provence",
            country="FR", billing_address="12 rue de la République, 13001 Marseille",
        ),
        address="203.0.113.9",
    )  # fmt: skip
    db.session.scalar(db.select(User).where(User.email == "claire@solaire-provence.example")).email_verified_at = now
    db.session.commit()
    mail.fan_out()
