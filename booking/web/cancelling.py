"""Cancelling from My bookings asks first: a page says what is cancelled and what it costs, then one button."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import ngettext

from booking import rules
from booking.clock import utcnow
from booking.errors import Conflict
from booking.services import bookings, series
from booking.web import changes
from booking.web.forms import ActionForm
from booking.web.guards import company_only, signed_in, viewer
from booking.web.messages import error_text
from booking.web.nav import page_blueprint

bp = page_blueprint("cancelling", __name__, url_prefix="/portal")
# staff at the desk and companies alike: one date, or a series from a date on (the button posts to changes.cancel)
dates_bp = page_blueprint("cancelling_dates", __name__, url_prefix="/bookings")


@bp.get("/bookings/<int:booking_id>/cancel")
@company_only
def booking(booking_id: int):
    """Ask before cancelling one booking (the button posts to portal.change)."""
    found = bookings.get_booking(viewer(), booking_id)
    now = utcnow()
    still = found.is_active and not rules.too_late_to_cancel(found.end_at, now)
    dates = [found] if still else []
    page = render_template("portal/cancel.html", booking=found, dates=dates, fees=_fees(dates, now), form=ActionForm())
    return page, 200 if still else 409


@bp.get("/series/<int:group_id>/cancel")
@company_only
def series_page(group_id: int):
    """Ask before cancelling every date of a series still to come."""
    group = series.get_series(viewer(), group_id)
    now = utcnow()
    dates = series.still_to_come(group, now)
    page = render_template("portal/cancel.html", group=group, dates=dates, fees=_fees(dates, now), form=ActionForm())
    return page, 200 if dates else 409


def _fees(dates: list, now) -> dict:
    """Each date's cancellation fee now (excl. VAT), for those that have one: the page says it before the button."""
    return {b.id: fee for b in dates if (fee := bookings.fee_if_cancelled(b, now))}


@bp.post("/series/<int:group_id>/cancel")
@company_only
def cancel_series(group_id: int):
    """Cancel the dates of a series still to come; those that took place stay as they were."""
    try:
        cancelled = series.cancel_series(viewer(), group_id, now=utcnow())
    except Conflict as error:
        flash(error_text(error), "error")
    else:
        title = cancelled[0].group.title
        flash(ngettext("Cancelled: %(title)s, %(num)d date.", "Cancelled: %(title)s, %(num)d dates.",
                       len(cancelled), title=title), "success")  # fmt: skip
    return redirect(url_for("portal.my_bookings"))


@dates_bp.get("/<int:booking_id>/cancel")
@signed_in
def dates_page(booking_id: int):
    """Ask before cancelling one date, or (scope=following) its series from this date on."""
    found = bookings.get_booking(viewer(), booking_id)
    following = request.args.get("scope") == series.Scope.FOLLOWING and found.group is not None
    now = utcnow()
    if following and found.group.kind == "series":
        dates = series.dates_from(found, now)
    else:
        following = False
        dates = [found] if found.is_active and not rules.too_late_to_cancel(found.end_at, now) else []
    page = render_template(
        "portal/cancel.html", booking=found, dates=dates, fees=_fees(dates, now), form=ActionForm(),
        scope=series.Scope.FOLLOWING if following else series.Scope.THIS, back=changes.back(),
    )  # fmt: skip
    return page, 200 if dates else 409
