"""The company portal: find a free space with its price, book it (once, repeated, or as a roadshow),
and look after your bookings."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from booking import daylife, rules
from booking.clock import utcnow
from booking.errors import Conflict, Invalid
from booking.services import availability, bookings, catalog, extras, vacancy
from booking.services.accounts import list_organisations
from booking.web import shelves
from booking.web.formatting import clock, day
from booking.web.forms import ActionForm, BookForm, BookingFilterForm, RoadshowForm, SearchForm, WhenForm, options
from booking.web.guards import company_only, company_or_staff, viewer
from booking.web.labels import STATUSES, equipment_label, layout_label
from booking.web.messages import error_text, problem_text
from booking.web.nav import page_blueprint

bp = page_blueprint("portal", __name__, url_prefix="/portal")
DEFAULT_TIMEZONE = "Europe/Paris"



def as_utc(day: date, moment: time, timezone: str) -> datetime | None:
    """A wall-clock time of a site as UTC; None when the clock skips it (DST)."""
    return rules.to_utc(datetime.combine(day, moment), ZoneInfo(timezone))


def window_of(form: WhenForm, timezone: str) -> tuple[datetime, datetime] | None:
    """The form's day and times as UTC, or None (with the message on the field) when a time does not exist."""
    start = as_utc(form.date.data, form.start.data, timezone)
    end = as_utc(form.date.data, form.end.data, timezone)
    for value, field in ((start, form.start), (end, form.end)):
        if value is None:
            field.errors.append(_("This time does not exist that day (clock change)."))
    return (start, end) if start and end else None


def show_problems(form, error: Invalid, fields: dict[str, str] | None = None) -> None:
    """Put each of the service's problems next to its field, in the reader's language."""
    fields = fields or {}
    for problem in error.problems:
        name = fields.get(problem.field, problem.field)
        field = getattr(form, name, None) if name else None
        message = problem_text(problem)
        if field is not None and hasattr(field, "errors") and not isinstance(field.errors, dict):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.append(message)
        else:
            form.form_errors.append(message)


def site_choices() -> list[tuple[str, str]]:
    return [("", _("Any site"))] + [(site.slug, f"{site.name} ({site.city})") for site in availability.sites()]


def equipment_choices() -> list[tuple[str, str]]:
    known = {item for site in availability.sites() for space in site.spaces if space.active for item in space.equipment}
    return sorted(((code, equipment_label(code)) for code in known), key=lambda choice: alphabetical(choice[1]))


def alphabetical(text: str) -> str:
    """A sort key that files « Écran » under E, as a reader expects."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


@bp.get("/")
@company_or_staff
def search():
    """Free spaces for a day, a time and a number of people, each with its price."""
    form = SearchForm(request.args if "date" in request.args else None)
    form.site.choices = options(site_choices())
    form.equipment.choices = options(equipment_choices())
    if "date" not in request.args:
        form.date.data = date.today() + timedelta(days=1)
        form.start.data, form.end.data, form.attendees.data = time(9), time(12), 10
    offers, searched, why_none = [], False, []
    if "date" in request.args and form.validate():
        timezone = catalog.get_site(form.site.data).timezone if form.site.data else DEFAULT_TIMEZONE
        window = window_of(form, timezone)
        if window:
            searched = True
            asked = {
                "now": utcnow(), "attendees": form.attendees.data, "site": form.site.data or None,
                "equipment": tuple(form.equipment.data or ()),
            }  # fmt: skip
            try:
                offers = availability.find_free_spaces(*window, **asked)
                why_none = [] if offers else vacancy.why_none_free(*window, **asked)
            except Invalid as error:
                show_problems(form, error)
    status = 422 if form.errors or form.form_errors else 200
    page = render_template("portal/search.html", form=form, offers=offers, searched=searched, why_none=why_none)
    return page, status


@bp.route("/book/<site>/<space>", methods=["GET", "POST"])
@company_or_staff
def book(site: str, space: str):
    """Book one space: once, as a hold, or repeated every day or week; staff book for a company they choose."""
    place = catalog.get_space(site, space)
    form = BookForm(formdata=request.form if request.method == "POST" else request.args)
    if viewer().is_staff:
        companies = [(org.slug, org.name) for org in list_organisations()]
        form.organisation.choices = options([("", _("— choose the company —"))] + companies)
    else:
        del form.organisation  # a company books for itself
    form.layout.choices = options(
        [("", _("Any layout"))]
        + [
            (code, f"{layout_label(code)} ({ngettext('%(num)d person', '%(num)d people', people)})")
            for code, people in place.capacities.items()
        ]
    )
    data = request.form if request.method == "POST" else request.args
    offer = [item for item in extras.items_of(place.site_id).values() if item.offered_in(place.slug)]
    asked = services_asked(offer, data)
    quote = None
    if form.date.data and form.start.data and form.end.data and form.end.data > form.start.data:
        start, end = (as_utc(form.date.data, t, place.site.timezone) for t in (form.start.data, form.end.data))
        if start and end:
            chosen, _problems = extras.choose(place, asked)  # what is wrong is said when booking
            quote = extras.quote(place, rules.quote(catalog.policy_of(place), start, end), chosen, start)
    conflicts, alternatives, service_errors = [], [], {}
    taken = False
    if request.method == "POST" and form.validate():
        window = window_of(form, place.site.timezone)
        if window:
            outcome = _book(form, place, window, conflicts, alternatives, asked, service_errors)
            if outcome == "booked" and form.organisation:
                return redirect(url_for("desk.bookings", organisation=form.organisation.data))
            if outcome == "booked":
                return redirect(url_for("portal.my_bookings"))
            # one slot: its queue can be joined, by a company for itself
            taken = outcome == "taken" and not form.repeat.data and not form.organisation
    status = 422 if request.method == "POST" else 200
    page = render_template(
        "portal/book.html", form=form, space=place, quote=quote, conflicts=conflicts, taken=taken,
        alternatives=[suggested(a) for a in alternatives],
        offer=offer, asked=dict(asked), now=utcnow(), service_errors=service_errors,
    )  # fmt: skip
    return page, status


def services_asked(offer: list, data) -> tuple[tuple[str, int], ...]:
    """The quantities typed (or the packages ticked) for the space's services: ``service-<slug>`` fields."""
    asked = []
    for item in offer:
        text = (data.get(f"service-{item.slug}") or "").strip()
        if text.isdigit() and int(text) > 0:
            asked.append((item.slug, min(int(text), 10_000)))
    return tuple(asked)


def suggested(alternative: dict) -> dict:
    """A slot a 409 suggests (booking/alternatives.py), with the space it names and its local times, for a page."""
    return {
        "kind": alternative["kind"],
        "space": catalog.get_space(alternative["site"], alternative["space"]),
        "start": datetime.fromisoformat(alternative["start"]),
        "end": datetime.fromisoformat(alternative["end"]),
        "incl_vat": Decimal(alternative["quote"]["incl_vat"]),
    }


def _book(
    form: BookForm, place, window: tuple[datetime, datetime], conflicts: list, alternatives: list, asked: tuple = (),
    service_errors: dict | None = None,
) -> str:  # fmt: skip
    """Call the booking service: "booked", or its reasons on the form (a service's by its input) and "taken" or
    "refused"."""
    service_errors = {} if service_errors is None else service_errors
    req = bookings.BookingRequest(
        place.site.slug, place.slug, *window, form.title.data.strip(), form.attendees.data,
        form.layout.data or None, form.notes.data or "", services=asked,
        online_attendees=form.online_attendees.data or 0, streaming_link=form.streaming_link.data or None,
    )  # fmt: skip
    fields = {"start": "start", "end": "end", "attendees": "attendees", "layout": "layout", "title": "title",
              "rrule": "count", "site": None, "space": None, "organisation": "organisation",
              "online_attendees": "online_attendees"}  # fmt: skip
    on_behalf = form.organisation.data if form.organisation else None
    try:
        if form.repeat.data:
            count = form.count.data or 2
            result = bookings.book_series(
                viewer(), req, f"FREQ={form.repeat.data};COUNT={count}",
                skip_conflicts=form.skip_conflicts.data, hold=form.hold.data, organisation=on_behalf, now=utcnow(),
            )  # fmt: skip
            made = len(result.bookings)
            flash(ngettext("%(num)d date booked.", "%(num)d dates booked.", made), "success")
            if result.skipped:
                flash(left_out(result.skipped, place.site.timezone), "warning")  # as asked: not an error
        else:
            booking = bookings.book(
                viewer(), req, hold=form.hold.data, organisation=on_behalf, now=utcnow(), suggest=True
            )
            flash(_("Booked: %(title)s.", title=booking.title), "success")
        return "booked"
    except Invalid as error:
        show_problems(form, error, fields)
        service_errors.update({p.params["item"]: problem_text(p) for p in error.problems if "item" in p.params})
    except Conflict as error:
        form.form_errors.append(error_text(error))
        if error.code == "out_of_stock":
            service_errors[error.params["item"]] = error_text(error)
        conflicts.extend(error.extra.get("conflicts") or [])
        alternatives.extend(error.extra.get("alternatives") or [])
        return "taken"
    return "refused"


def left_out(skipped: list[bookings.Skipped], timezone: str) -> str:
    """« 2 dates left out: Friday, December 25 (The space is closed that day.); ... », each with its reasons."""
    dates = [
        _("%(day)s (%(why)s)", day=day(s.start, tz=timezone), why=" ".join(problem_text(p) for p in s.problems))
        for s in skipped
    ]
    return ngettext("%(num)d date left out: %(dates)s", "%(num)d dates left out: %(dates)s", len(skipped),
                    dates="; ".join(dates))  # fmt: skip


@bp.route("/roadshow", methods=["GET", "POST"])
@company_only
def roadshow():
    """A tour of several spaces, usually across sites: all stops are booked, or none.

    "Check the stops" shows each stop's capacity, whether it is free and its price, and books nothing.
    """
    form = RoadshowForm()
    choices = [("", _("— no stop —"))] + [
        (f"{site.slug}/{space.slug}",
         f"{space.name} · {site.name} ({ngettext('%(num)d person', '%(num)d people', space.max_capacity)})")
        for site in availability.sites()
        for space in site.spaces
        if space.active
    ]  # fmt: skip
    for leg in form.legs:
        leg.form.space.choices = options(choices)
    looks: dict[int, vacancy.Look] = {}
    if form.validate_on_submit():
        legs, used = _stops(form)
        if not legs:
            form.form_errors.append(_("Choose a space for at least one stop."))
        elif not form.errors:
            if "check" not in request.form:
                try:
                    bookings.book_roadshow(viewer(), form.title.data.strip(), legs, hold=form.hold.data, now=utcnow())
                    flash(ngettext("Roadshow booked: %(num)d stop.", "Roadshow booked: %(num)d stops.", len(legs)),
                          "success")  # fmt: skip
                    return redirect(url_for("portal.my_bookings"))
                except Invalid as error:
                    _leg_problems(form, error, used)
                except Conflict as error:
                    _taken_stops(form, error, legs, used)
            now = utcnow()
            looks = {
                index: vacancy.look_at(catalog.get_space(req.site, req.space), req.start, req.end,
                                       attendees=req.attendees, now=now)
                for index, req in zip(used, legs, strict=True)
            }  # fmt: skip
    status = 422 if form.errors or form.form_errors else 200
    return render_template("portal/roadshow.html", form=form, looks=looks), status


def _stops(form: RoadshowForm) -> tuple[list[bookings.BookingRequest], list[int]]:
    """The stops filled in, as requests, and the number of each on the form."""
    legs, used = [], []
    for index, leg in enumerate(form.legs):
        if not leg.form.space.data:
            continue
        site, _sep, space = leg.form.space.data.partition("/")
        timezone = catalog.get_site(site).timezone
        start = as_utc(leg.form.date.data, leg.form.start.data, timezone)
        end = as_utc(leg.form.date.data, leg.form.end.data, timezone)
        if start is None or end is None:
            leg.form.start.errors.append(_("This time does not exist that day (clock change)."))
            continue
        legs.append(bookings.BookingRequest(site, space, start, end, form.title.data.strip(), form.attendees.data))
        used.append(index)
    return legs, used


def _taken_stops(form: RoadshowForm, error: Conflict, legs: list, used: list[int]) -> None:
    """Each taken stop named by its number, space and time at the top, and marked on its own fieldset."""
    if error.code != "legs_taken":
        form.form_errors.append(error_text(error))
        return
    for leg in error.params["legs"]:
        req, stop = legs[leg], form.legs[used[leg]].form
        place = catalog.get_space(req.site, req.space)
        tz = place.site.timezone
        when = f"{day(req.start, tz=tz)}, {clock(req.start, tz)}–{clock(req.end, tz)}"
        form.form_errors.append(
            _("Stop %(num)d, %(space)s at %(site)s, %(when)s, is already booked.",
              num=used[leg] + 1, space=place.name, site=place.site.name, when=when)
        )  # fmt: skip
        stop.space.errors.append(_("Already booked at that time."))


def _leg_problems(form: RoadshowForm, error: Invalid, used: list[int]) -> None:
    """``legs[1].start`` from the service is the second stop that was filled in."""
    for problem in error.problems:
        prefix, _sep, name = problem.field.partition("].")
        message = problem_text(problem)
        if prefix.startswith("legs[") and name:
            leg = form.legs[used[int(prefix[5:])]].form
            # too many people for one stop's space is that stop's problem, shown on its space
            field = getattr(leg, {"attendees": "space", "layout": "space"}.get(name, name), None)
            if field is not None:
                field.errors.append(message)
                continue
        form.form_errors.append(message)


@bp.app_template_filter("booking_quote")
def booking_quote(booking) -> rules.Quote:
    """A booking's whole quote: its space and every service it carries."""
    return extras.booking_quote(booking)


@bp.app_template_filter("rejection_reason")
def rejection_reason(booking) -> str:
    """What staff told the company when they rejected the booking."""
    for event in reversed(booking.events):
        if event.action == "reject":
            return (event.detail or {}).get("reason", "")
    return ""


@bp.get("/bookings")
@company_only
def my_bookings():
    """Your company's bookings from last month on, upcoming first: cancel, confirm a hold, add to a calendar."""
    form = BookingFilterForm(request.args)
    form.site.choices = options([("", _("All sites"))] + [(s.slug, s.name) for s in availability.sites()])
    statuses = [(code, label) for code, (label, _symbol, _css) in STATUSES.items()]
    form.status.choices = options([("", _("All statuses"))] + statuses)
    # a site or status nobody offers (an old link) shows everything rather than an error
    chosen = form.validate() and bool(form.site.data or form.status.data)
    site, status = (form.site.data or None, form.status.data or None) if chosen else (None, None)
    now = utcnow()
    listed = bookings.list_bookings(viewer(), start=now - timedelta(days=30), limit=500, site=site, status=status)
    checkable = {
        b.id for b in listed
        if b.checked_in_at is None and daylife.can_check_in(status=b.status, start=b.start_at, end=b.end_at, now=now)
    }  # fmt: skip
    return render_template(
        "portal/bookings.html", shelves=shelves.shelve(listed, now), filters=form, filtered=chosen,
        action=ActionForm(), now=now, checkable=checkable,
    )  # fmt: skip


@bp.post("/bookings/<int:booking_id>/<any(cancel, confirm):action>")
@company_only
def change(booking_id: int, action: str):
    """Cancel a booking, or confirm a hold."""
    try:
        booking = bookings.transition(viewer(), booking_id, action, now=utcnow())
    except Conflict as error:
        flash(error_text(error), "error")
    else:
        if action == "cancel":
            flash(_("Cancelled: %(title)s.", title=booking.title), "success")
        else:
            flash(_("Confirmed: %(title)s.", title=booking.title), "success")
    return redirect(url_for("portal.my_bookings"))
