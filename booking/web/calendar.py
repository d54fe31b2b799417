"""Staff pages: today across all sites, a site's calendar (day and week), the approvals queue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking import rules
from booking.clock import utcnow
from booking.errors import Conflict, NotFound
from booking.models import Booking, Site
from booking.rules import Status
from booking.services import availability, bookings, catalog
from booking.web import formatting, timeline
from booking.web.forms import ApproveForm, RejectForm
from booking.web.guards import staff_only, viewer
from booking.web.messages import error_text
from booking.web.nav import page_blueprint

bp = page_blueprint("calendar", __name__, url_prefix="/staff")


def local_today(timezone: str = "Europe/Paris") -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def parse_day(text: str | None, timezone: str) -> date:
    try:
        return date.fromisoformat(text) if text else local_today(timezone)
    except ValueError:
        return local_today(timezone)


def day_bounds(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(timezone)
    return datetime.combine(first, time(0), tz), datetime.combine(last + timedelta(days=1), time(0), tz)


def spaces_with_bookings(site: Site, first: date, last: date) -> tuple[list, list[Booking]]:
    """The site's active spaces and its active bookings between two local days."""
    start, end = day_bounds(first, last, site.timezone)
    spaces = [space for space in site.spaces if space.active]
    return spaces, bookings.site_calendar(site.slug, start, end)


def bookings_by_space(booked: list[Booking]) -> dict[int, list[Booking]]:
    """Each space's bookings, in the order given: one pass, where filtering them all for every
    space (or every cell of the week's grid) was quadratic."""
    rows: dict[int, list[Booking]] = {}
    for b in booked:
        rows.setdefault(b.space_id, []).append(b)
    return rows


def bookings_by_space_and_day(booked: list[Booking], tz: ZoneInfo) -> dict[tuple[int, date], list[Booking]]:
    """The week's grid: the bookings under each (space, local day of their start), in the order given."""
    cells: dict[tuple[int, date], list[Booking]] = {}
    for b in booked:
        cells.setdefault((b.space_id, b.start_at.astimezone(tz).date()), []).append(b)
    return cells


def clock_of_the_page():
    """formatting.clock remembered for one page (one reader, one language): a week of a large site
    writes the same few times of day some 15,000 times, and Babel formats each anew."""
    return cache(formatting.clock)


@bp.get("/")
@staff_only
def overview():
    """Every site today: its spaces, their bookings and their live occupancy."""
    boards = []
    now = utcnow()
    for site in availability.sites():
        today = local_today(site.timezone)
        spaces, booked = spaces_with_bookings(site, today, today)
        ahead = None
        if not any(b.end_at > now for b in booked):
            # at night (or on a quiet day) nothing is left today: show the next day that has bookings
            ahead, later = next_booked_day(site, today)
            booked = later if ahead else booked
        rows = bookings_by_space(booked)
        by_space = {space.id: rows.get(space.id, []) for space in spaces}
        boards.append({"site": site, "day": ahead or today, "ahead": ahead, "spaces": spaces, "bookings": by_space})
    return render_template("staff/overview.html", boards=boards, clock=clock_of_the_page())


LOOK_AHEAD_DAYS = 7


def next_booked_day(site: Site, today: date) -> tuple[date | None, list[Booking]]:
    """The first day after ``today`` (within a week) with bookings at the site, and that day's bookings."""
    _spaces, later = spaces_with_bookings(site, today + timedelta(days=1), today + timedelta(days=LOOK_AHEAD_DAYS))
    if not later:
        return None, []
    tz = ZoneInfo(site.timezone)
    first = min(b.start_at.astimezone(tz).date() for b in later)
    return first, [b for b in later if b.start_at.astimezone(tz).date() == first]


@bp.get("/calendar", defaults={"site": None})
@bp.get("/calendar/<site>")
@staff_only
def site(site: str | None):
    """A site's calendar: spaces as rows, hours (day view) or days (week view) as columns."""
    if site is None:
        first = availability.sites()
        if not first:
            raise NotFound("no site yet: run onexp seed")
        return redirect(url_for("calendar.site", site=first[0].slug, **request.args))
    venue = catalog.get_site(site)
    view = "week" if request.args.get("view") == "week" else "day"
    day = parse_day(request.args.get("day"), venue.timezone)
    days = timeline.week_of(day) if view == "week" else [day]
    spaces, booked = spaces_with_bookings(venue, days[0], days[-1])
    tz = ZoneInfo(venue.timezone)
    rows = []
    if view == "day":
        closures = catalog.closures_by_space(spaces)
        spans = [iv for s in spaces for iv in rules.opening_intervals(catalog.policy_of(s, closures[s.id]), day)]
        spans += [(b.block_start, b.block_end) for b in booked]
        window = timeline.day_window(day, venue.timezone, spans)
        by_space = bookings_by_space(booked)
        for space in spaces:
            bars = []
            for b in by_space.get(space.id, []):
                drawn = timeline.bar(window, b.start_at, b.end_at, b.block_start, b.block_end)
                if drawn:
                    bars.append((b, drawn))
            rows.append({"space": space, "bars": bars})
    else:
        window = None
        by_cell = bookings_by_space_and_day(booked, tz)
        for space in spaces:
            rows.append({"space": space, "cells": [by_cell.get((space.id, d), []) for d in days]})
    step = timedelta(weeks=1) if view == "week" else timedelta(days=1)
    return render_template(
        "staff/calendar.html",
        site=venue,
        sites=availability.sites(),
        view=view,
        day=day,
        days=days,
        rows=rows,
        window=window,
        previous=day - step,
        following=day + step,
        today=local_today(venue.timezone),
        clock=clock_of_the_page(),
    )


@bp.get("/approvals")
@staff_only
def approvals():
    """Bookings waiting for staff approval, soonest first."""
    return _render_approvals()


def _render_approvals(failed: tuple[int, RejectForm] | None = None, status: int = 200):
    pending = bookings.list_bookings(viewer(), status=Status.PENDING, start=datetime.now(ZoneInfo("UTC")))
    forms = {}
    for booking in pending:
        reject = RejectForm(prefix=f"reject-{booking.id}", formdata=None)
        if failed and failed[0] == booking.id:
            reject = failed[1]
        forms[booking.id] = (ApproveForm(prefix=f"approve-{booking.id}", formdata=None), reject)
    return render_template("staff/approvals.html", pending=pending, forms=forms), status


@bp.post("/bookings/<int:booking_id>/<any(approve, reject):action>")
@staff_only
def decide(booking_id: int, action: str):
    """Approve or reject a pending booking, with a reason the company will read."""
    form = (ApproveForm if action == "approve" else RejectForm)(prefix=f"{action}-{booking_id}")
    if not form.validate():
        return _render_approvals((booking_id, form), 422) if action == "reject" else _render_approvals(status=422)
    try:
        booking = bookings.transition(viewer(), booking_id, action, reason=form.reason.data or "")
    except Conflict as error:
        flash(error_text(error), "error")
        return redirect(url_for("calendar.approvals"))
    if action == "approve":
        flash(_("Approved: %(title)s.", title=booking.title), "success")
    else:
        flash(_("Rejected: %(title)s.", title=booking.title), "success")
    return redirect(url_for("calendar.approvals"))
