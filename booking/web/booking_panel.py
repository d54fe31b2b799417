"""Staff open one booking from the calendars: its facts, what can be done with it now, and its audit trail."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking import daylife, rules
from booking.clock import utcnow
from booking.errors import Conflict, Invalid, PreconditionFailed
from booking.services import bookings, checkin, extras, series
from booking.web.formatting import money
from booking.web.forms import ActionForm, MoveForm
from booking.web.guards import staff_only, viewer
from booking.web.messages import error_text
from booking.web.nav import page_blueprint
from booking.web.portal import show_problems, suggested, window_of

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


@bp.app_template_filter("services_said")
def services_said(lines: list[dict], booking) -> str:
    """An audit row's services ([{item, quantity}]) by their names: « Déjeuner buffet × 35, ... », or « — »."""
    names = {item.slug: item.name for item in extras.items_of(booking.space.site_id).values()}
    names |= {line.item.slug: line.item.name for line in booking.services}  # kept though no longer sold
    return ", ".join(f"{names.get(line['item'], line['item'])} × {line['quantity']}" for line in lines) or "—"


@bp.app_template_filter("money_text")
def money_text(amount: str) -> str:
    """An amount as the audit trail keeps it (« 2775.00 »), in the reader's currency format."""
    return money(Decimal(amount))


def in_series(booking) -> bool:
    return booking.group is not None and booking.group.kind == "series"


def move_form(booking, formdata=None) -> MoveForm:
    """The move form, filled with the booking's day and times unless it comes back from a post."""
    form = MoveForm(formdata=formdata)
    if formdata is None:
        tz = ZoneInfo(booking.space.site.timezone)
        start, end = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
        form.date.data = start.date()
        form.start.data, form.end.data = start.time().replace(tzinfo=None), end.time().replace(tzinfo=None)
        form.version.data = str(booking.version)
    if not in_series(booking):
        del form.scope
    return form


def _page(booking, move: MoveForm, alternatives=(), conflicts=(), status: int = 200):
    now = utcnow()
    page = render_template(
        "staff/booking.html", b=booking, actions=actions_for(booking, now), form=ActionForm(), now=now,
        move=move, movable=booking.is_active and booking.end_at > now, alternatives=alternatives,
        conflicts=conflicts,
    )  # fmt: skip
    return page, status


@bp.get("/<int:booking_id>")
@staff_only
def show(booking_id: int):
    """One booking: when, where, who, its actions and every change it went through."""
    booking = bookings.get_booking(viewer(), booking_id)
    return _page(booking, move_form(booking))


@bp.post("/<int:booking_id>/move")
@staff_only
def move(booking_id: int):
    """Move the booking (or its series from this date on) with the version the page showed."""
    booking = bookings.get_booking(viewer(), booking_id)
    form = move_form(booking, request.form)
    if not form.validate():
        return _page(booking, form, status=422)
    window = window_of(form, booking.space.site.timezone)
    if not window:
        return _page(booking, form, status=422)
    scope = form.scope.data if form.scope else series.Scope.THIS
    version = int(form.version.data) if (form.version.data or "").isdigit() else booking.version
    changes = {"start": window[0], "end": window[1]}
    try:
        series.change_dates(viewer(), booking_id, changes, version=version, scope=scope, now=utcnow(), suggest=True)
    except Invalid as error:
        show_problems(form, error)
        return _page(booking, form, status=422)
    except (Conflict, PreconditionFailed) as error:
        form.form_errors.append(error_text(error))
        found = [suggested(a) for a in error.extra.get("alternatives") or []]
        status = 412 if isinstance(error, PreconditionFailed) else 409
        # a series' 409 names each date that cannot move; one date's names busy blocks, said by the message already
        dates = [c for c in error.extra.get("conflicts") or [] if "date" in c]
        return _page(booking, form, found, dates, status)
    if scope == series.Scope.FOLLOWING:
        flash(_("Moved from this date on: %(title)s.", title=booking.title), "success")
    else:
        flash(_("Moved: %(title)s.", title=booking.title), "success")
    return redirect(url_for("staff_booking.show", booking_id=booking_id))


@bp.app_template_filter("iso_datetime")
def iso_datetime(text: str) -> datetime:
    """A time the audit trail keeps as ISO 8601 text, back as a datetime to show on the site's clock."""
    return datetime.fromisoformat(text)


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
