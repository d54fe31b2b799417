"""Staff open one booking from the calendars: its facts, what can be done with it now, and its audit trail."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking import daylife, rules
from booking.clock import utcnow
from booking.errors import Conflict
from booking.services import bookings, checkin
from booking.web.forms import ActionForm
from booking.web.guards import staff_only, viewer
from booking.web.messages import error_text
from booking.web.nav import page_blueprint

bp = page_blueprint("staff_booking", __name__, url_prefix="/staff/bookings")
TRANSITIONS = ("confirm", "approve", "reject", "cancel")


def actions_for(booking, now) -> list[str]:
    """The actions the booking's status allows now, in the order staff take them."""
    allowed = [a for a in TRANSITIONS if rules.next_status(booking.status, a) is not None]
    if "cancel" in allowed and rules.too_late_to_cancel(booking.end_at, now):
        allowed.remove("cancel")
    if booking.checked_in_at is None and daylife.can_check_in(
        status=booking.status, start=booking.start_at, end=booking.end_at, now=now
    ):
        allowed.append("check-in")
    return allowed


@bp.get("/<int:booking_id>")
@staff_only
def show(booking_id: int):
    """One booking: when, where, who, its actions and every change it went through."""
    booking = bookings.get_booking(viewer(), booking_id)
    now = utcnow()
    return render_template(
        "staff/booking.html", b=booking, actions=actions_for(booking, now), form=ActionForm(), now=now
    )


@bp.post("/<int:booking_id>/act/<any(confirm, approve, reject, cancel, 'check-in'):action>")
@staff_only
def act(booking_id: int, action: str):
    """Take one action on the booking, then come back to it."""
    try:
        if action == "check-in":
            checkin.check_in(viewer(), booking_id, now=utcnow())
        else:
            reason = request.form.get("reason", "").strip()[:500]
            if action == "reject" and not reason:
                flash(_("Say why the booking is rejected."), "error")
                return redirect(url_for("staff_booking.show", booking_id=booking_id))
            bookings.transition(viewer(), booking_id, action, reason=reason, now=utcnow())
        flash(_("Done."), "success")
    except Conflict as error:
        flash(error_text(error), "error")
    return redirect(url_for("staff_booking.show", booking_id=booking_id))
