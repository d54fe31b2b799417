"""Company pages for the day itself: checking a booking in, and waiting for a taken slot."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking.clock import utcnow
from booking.errors import Conflict, Invalid
from booking.services import bookings, catalog, checkin, waitlist
from booking.web.forms import ActionForm, BookForm
from booking.web.guards import company_only, viewer
from booking.web.messages import error_text
from booking.web.nav import page_blueprint
from booking.web.portal import window_of

# what the waitlist page lists: a slot a month past is history, not a place in a queue
PAGE_PAST = timedelta(days=30)
PAGE_LIMIT = 500

bp = page_blueprint("portal_day", __name__, url_prefix="/portal")


@bp.post("/bookings/<int:booking_id>/check-in")
@company_only
def check_in(booking_id: int):
    """Say the booking's people are here."""
    try:
        booking = checkin.check_in(viewer(), booking_id, now=utcnow())
    except Conflict as error:
        flash(error_text(error), "error")
    else:
        flash(_("Checked in: %(title)s.", title=booking.title), "success")
    return redirect(url_for("portal.my_bookings"))


@bp.post("/waitlist/join/<site>/<space>")
@company_only
def join(site: str, space: str):
    """Wait for a taken slot: the first in line gets a hold when it frees."""
    place = catalog.get_space(site, space)
    form = BookForm(formdata=request.form)
    del form.organisation  # a company waits for itself (the field is the staff desk's)
    form.layout.choices = [("", ""), *((code, code) for code in place.capacities)]
    window = window_of(form, place.site.timezone) if form.validate() else None
    if window is None:
        flash(_("Check the date, times and number of people, then try again."), "error")
        return redirect(url_for("portal.book", site=site, space=space))
    req = bookings.BookingRequest(
        site, space, *window, form.title.data.strip(), form.attendees.data, form.layout.data or None, ""
    )
    try:
        waitlist.join(viewer(), req, now=utcnow())
    except (Conflict, Invalid) as error:
        flash(error_text(error), "error")
        return redirect(url_for("portal.book", site=site, space=space))
    flash(_("You are on the waitlist for %(space)s.", space=place.name), "success")
    return redirect(url_for("portal_day.waiting"))


@bp.get("/waitlist")
@company_only
def waiting():
    """Your company's places in the queues, newest slot last: those of the last month and ahead."""
    entries = waitlist.list_entries(viewer(), start=utcnow() - PAGE_PAST, limit=PAGE_LIMIT)
    return render_template("portal/waitlist.html", entries=entries, action=ActionForm())


@bp.post("/waitlist/<int:entry_id>/cancel")
@company_only
def leave(entry_id: int):
    """Leave a queue."""
    try:
        waitlist.cancel(viewer(), entry_id)
    except Conflict as error:
        flash(error_text(error), "error")
    else:
        flash(_("You left the waitlist."), "success")
    return redirect(url_for("portal_day.waiting"))
