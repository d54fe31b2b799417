"""Change or cancel a booking from the pages: one date, or its series from that date on.

Companies reach it from My bookings, staff from the desk; the service decides who may change what.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking import pricing
from booking.clock import utcnow
from booking.errors import Conflict, Invalid, PreconditionFailed
from booking.services import bookings, extras, series
from booking.web.formatting import money
from booking.web.forms import ChangeForm
from booking.web.guards import signed_in, viewer
from booking.web.messages import error_text, problem_text
from booking.web.nav import page_blueprint
from booking.web.portal import services_asked, show_problems, window_of

bp = page_blueprint("changes", __name__, url_prefix="/bookings")


def back() -> str:
    """Where the person came from: the desk for staff, My bookings for a company."""
    return url_for("desk.bookings") if viewer().is_staff else url_for("portal.my_bookings")


def _filled(form: ChangeForm, booking) -> None:
    tz = ZoneInfo(booking.space.site.timezone)
    start, end = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
    form.title.data, form.date.data = booking.title, start.date()
    form.start.data, form.end.data = start.time().replace(tzinfo=None), end.time().replace(tzinfo=None)
    form.version.data = str(booking.version)
    if form.online_attendees:
        form.online_attendees.data = booking.online_attendees or 0
    if form.streaming_link:
        form.streaming_link.data = booking.streaming_link or ""


def offer_of(booking) -> list:
    """The services the booking's space offers, and those it carries that the site no longer sells (kept)."""
    offer = [item for item in extras.items_of(booking.space.site_id).values() if item.offered_in(booking.space.slug)]
    return offer + [line.item for line in booking.services if line.item not in offer]


def _edits(form: ChangeForm, booking, window, asked) -> dict:
    """What the form changes, as reschedule takes it: services and people online only when they differ,
    so changing a series' title from a date on does not hand this date's services to the others."""
    changes = {"title": form.title.data.strip(), "start": window[0], "end": window[1]}
    if sorted(asked) != sorted((line.item.slug, line.quantity) for line in booking.services):
        changes[bookings.SERVICES] = [{"item": slug, "quantity": quantity} for slug, quantity in asked]
    if form.online_attendees and (form.online_attendees.data or 0) != (booking.online_attendees or 0):
        changes["online_attendees"] = form.online_attendees.data or 0
    if form.streaming_link and (form.streaming_link.data or None) != booking.streaming_link:
        changes["streaming_link"] = form.streaming_link.data or None
    return changes


@bp.route("/<int:booking_id>/change", methods=["GET", "POST"])
@signed_in
def change(booking_id: int):
    """Move or re-title one date, or every date of its series from this one on; change its services and people online.

    "Update the quote" (a GET carrying the form and the version shown) prices the change and writes nothing.
    """
    booking = bookings.get_booking(viewer(), booking_id)
    in_series = booking.group is not None and booking.group.kind == "series"
    offer = offer_of(booking)
    previewing = request.method == "GET" and "version" in request.args
    data = request.form if request.method == "POST" else request.args
    form = ChangeForm(formdata=data if request.method == "POST" or previewing else None)
    streams = any(item.kind == pricing.STREAMING for item in offer)
    if not streams and not booking.online_attendees:
        del form.online_attendees  # people online need a space with the streaming package
    if not streams and not booking.streaming_link:
        del form.streaming_link
    if request.method == "GET" and not previewing:
        _filled(form, booking)
        asked = tuple((line.item.slug, line.quantity) for line in booking.services)
    else:
        asked = services_asked(offer, data)
    if not in_series:
        del form.scope
    conflicts, service_errors, stale = [], {}, False
    now = utcnow()
    quote = extras.booking_quote(booking)
    valid = form.validate() if request.method == "POST" else _has_times(form)  # a quote needs no title
    window = window_of(form, booking.space.site.timezone) if valid else None
    if window:
        changes = _edits(form, booking, window, asked)
        quote = bookings.quote_after_change(booking, changes)
    if request.method == "POST" and window and not form.errors:
        scope = form.scope.data if form.scope else series.Scope.THIS
        version = int(form.version.data) if (form.version.data or "").isdigit() else booking.version
        try:
            changed = series.change_dates(viewer(), booking_id, changes, version=version, scope=scope, now=now)
        except Invalid as error:
            show_problems(form, error)
            service_errors = {p.params["item"]: problem_text(p) for p in error.problems if "item" in p.params}
        except (Conflict, PreconditionFailed) as error:
            form.form_errors.append(error_text(error))
            conflicts = error.extra.get("conflicts") or []
            stale = isinstance(error, PreconditionFailed)
            if error.code == "out_of_stock":
                service_errors[error.params["item"]] = error_text(error)
        else:
            if scope == series.Scope.THIS and changed.version == version:  # saved as it was: nothing written
                flash(_("Nothing to change: %(title)s stays as it was.", title=changes["title"]), "info")
            elif bookings.SERVICES in changes or "online_attendees" in changes:
                price = money(extras.booking_quote(changed).incl_vat)
                flash(_("Changed: %(title)s; it now costs %(price)s incl. VAT.", title=changes["title"], price=price),
                      "success")  # fmt: skip
            else:
                flash(_("Changed: %(title)s.", title=changes["title"]), "success")
            return redirect(back())
    status = 422 if request.method == "POST" else 200
    page = render_template(
        "bookings/change.html", form=form, booking=booking, conflicts=conflicts, back=back(), offer=offer,
        asked=dict(asked), quote=quote, service_errors=service_errors, stale=stale, now=now,
        current=extras.booking_quote(booking) if previewing or request.method == "POST" else None,
    )  # fmt: skip
    return page, status


def _has_times(form: ChangeForm) -> bool:
    """The day and times are there to price (a quote asks nothing else)."""
    return bool(form.date.data and form.start.data and form.end.data and form.end.data > form.start.data)


@bp.post("/<int:booking_id>/cancel")
@signed_in
def cancel(booking_id: int):
    """Cancel one date, or its series from this date on."""
    scope = request.form.get("scope", series.Scope.THIS)
    if scope not in set(series.Scope):
        scope = series.Scope.THIS
    try:
        booking = series.cancel_dates(viewer(), booking_id, scope=scope, now=utcnow())
    except (Conflict, Invalid) as error:
        flash(error_text(error), "error")
    else:
        if scope == series.Scope.FOLLOWING:
            flash(_("Cancelled from this date on: %(title)s.", title=booking.title), "success")
        else:
            flash(_("Cancelled: %(title)s.", title=booking.title), "success")
    return redirect(back())
