"""Change or cancel a booking from the pages: one date, or its series from that date on.

Companies reach it from My bookings, staff from the desk; the service decides who may change what.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking.clock import utcnow
from booking.errors import Conflict, Invalid, PreconditionFailed
from booking.services import bookings, series
from booking.web.forms import ChangeForm
from booking.web.guards import signed_in, viewer
from booking.web.messages import error_text
from booking.web.nav import page_blueprint
from booking.web.portal import show_problems, window_of

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


@bp.route("/<int:booking_id>/change", methods=["GET", "POST"])
@signed_in
def change(booking_id: int):
    """Move or re-title one date, or every date of its series from this one on."""
    booking = bookings.get_booking(viewer(), booking_id)
    in_series = booking.group is not None and booking.group.kind == "series"
    form = ChangeForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        _filled(form, booking)
    if not in_series:
        del form.scope
    conflicts = []
    if request.method == "POST" and form.validate():
        window = window_of(form, booking.space.site.timezone)
        if window:
            changes = {"title": form.title.data.strip(), "start": window[0], "end": window[1]}
            scope = form.scope.data if form.scope else series.Scope.THIS
            version = int(form.version.data) if (form.version.data or "").isdigit() else booking.version
            try:
                series.change_dates(viewer(), booking_id, changes, version=version, scope=scope, now=utcnow())
            except Invalid as error:
                show_problems(form, error)
            except (Conflict, PreconditionFailed) as error:
                form.form_errors.append(error_text(error))
                conflicts = error.extra.get("conflicts") or []
            else:
                flash(_("Changed: %(title)s.", title=changes["title"]), "success")
                return redirect(back())
    status = 422 if request.method == "POST" else 200
    page = render_template("bookings/change.html", form=form, booking=booking, conflicts=conflicts, back=back())
    return page, status


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
