"""The staff desk: every booking, filtered by site, company, status and dates, and what to do with each."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from booking.clock import utcnow
from booking.rules import Status
from booking.services import availability
from booking.services.accounts import list_organisations
from booking.services.bookings import list_bookings
from booking.web import exports
from booking.web.forms import ActionForm, options
from booking.web.guards import staff_only, viewer
from booking.web.labels import status_label
from booking.web.nav import page_blueprint

bp = page_blueprint("desk", __name__, url_prefix="/staff")
DESK_TIMEZONE = "Europe/Paris"  # every venue's; the dates of the filter are read on its clock
LISTED = 500
EXPORTED = 10_000  # a year of every venue, about; a larger export is a job for the API


class DeskFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a filter changes nothing, and its URL can be shared

    site = SelectField(_l("Site"), choices=[], validate_choice=True, default="")
    organisation = SelectField(_l("Company"), choices=[], validate_choice=True, default="")
    status = SelectField(_l("Status"), choices=[], validate_choice=True, default="")
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])


def filter_form() -> DeskFilterForm:
    """The filter as the address says it; from today on when it says nothing."""
    form = DeskFilterForm(request.args)
    form.site.choices = options([("", _l("Every site"))] + [(s.slug, s.name) for s in availability.sites()])
    form.organisation.choices = options([("", _l("Every company"))] + [(o.slug, o.name) for o in list_organisations()])
    form.status.choices = options([("", _l("Every status"))] + [(s.value, status_label(s)) for s in Status])
    if not request.args:
        form.since.data = utcnow().astimezone(ZoneInfo(DESK_TIMEZONE)).date()
    return form


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(DESK_TIMEZONE))


def selection(form: DeskFilterForm) -> dict:
    """The filter as list_bookings' arguments; a part of it that is not valid selects nothing."""
    form.validate()
    valid = {name: field.data for name, field in form._fields.items() if field.data and not field.errors}
    chosen = {key: valid[key] for key in ("site", "organisation", "status") if key in valid}
    if "since" in valid:
        chosen["start"] = _midnight(valid["since"])
    if "until" in valid:
        chosen["end"] = _midnight(valid["until"] + timedelta(days=1))
    return chosen


@bp.get("/bookings")
@staff_only
def bookings():
    """Every booking the filter selects, soonest first, with its company and what staff may do with it."""
    form = filter_form()
    listed = list_bookings(viewer(), **selection(form), limit=LISTED)
    status = 422 if form.errors else 200
    page = render_template(
        "staff/bookings.html", form=form, bookings=listed, action=ActionForm(), now=utcnow(), full=len(listed) == LISTED
    )
    return page, status


TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/bookings/export.<any(csv, xlsx):kind>")
@staff_only
def export(kind: str):
    """The bookings the filter selects, as a CSV or an Excel file."""
    form = filter_form()
    listed = list_bookings(viewer(), **selection(form), limit=EXPORTED)
    body = exports.as_csv(listed) if kind == "csv" else exports.as_xlsx(listed, _("Bookings"))
    stamp = utcnow().astimezone(ZoneInfo(DESK_TIMEZONE)).strftime("%Y-%m-%d")
    disposition = f'attachment; filename="bookings-{stamp}.{kind}"'
    return Response(body, content_type=TYPES[kind], headers={"Content-Disposition": disposition})
