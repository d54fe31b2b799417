"""Staff page: booked versus actually used, per space and per company, and when spaces are booked."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request, url_for
from flask_babel import format_decimal

from booking.errors import Invalid
from booking.services import accounts, availability, usage_hours, utilization
from booking.web import charts
from booking.web.calendar import local_today
from booking.web.guards import staff_only
from booking.web.nav import page_blueprint

bp = page_blueprint("staff_utilization", __name__, url_prefix="/staff/utilization")


@bp.app_template_filter("hours")
def hours(minutes: int) -> str:
    """Minutes as hours with one decimal, in the reader's language ("6,5 h" in French)."""
    return f"{format_decimal(minutes / 60, format='0.0')} h"


# by default the last four weeks (what was used) and the next four (what is booked)
WEEKS_BACK = WEEKS_AHEAD = 4


def default_period(today: date) -> tuple[date, date]:
    return today - timedelta(weeks=WEEKS_BACK) + timedelta(days=1), today + timedelta(weeks=WEEKS_AHEAD)


def _period() -> tuple[date, date]:
    start, end = default_period(local_today())
    try:
        if request.args.get("start"):
            start = date.fromisoformat(request.args["start"])
        if request.args.get("end"):
            end = date.fromisoformat(request.args["end"])
    except ValueError:
        start, end = default_period(local_today())
    return start, end


def names_of(group: str, keys: set[str]) -> dict[str, str]:
    """What a reader calls each key of the report: a space and its site, a company's name."""
    if group == "space":
        spaces = [(site, space) for site in availability.sites() for space in site.spaces]
        return {f"{site.slug}/{space.slug}": f"{space.name} · {site.name}" for site, space in spaces}
    return {slug: accounts.get_organisation(slug).name for slug in keys}


@bp.get("/")
@staff_only
def index():
    """Bars per space and per company, a weekday-by-hour heat map, and the CSV behind them."""
    start, end = _period()
    problems = []
    try:
        by_space, by_company = (
            _totals(utilization.report(_viewer(), start, end, group=group), group) for group in ("space", "company")
        )
    except Invalid as error:
        problems, by_space, by_company = error.problems, [], []
    heat = charts.heat_map(usage_hours.booked_minutes_by_hour(start, end))
    csv = {
        group: url_for(
            "utilization.Utilization", start=start.isoformat(), end=end.isoformat(), group=group, format="csv"
        )
        for group in ("space", "company")
    }
    return render_template(
        "staff/utilization.html", start=start, end=end, by_space=by_space, by_company=by_company, heat=heat,
        csv=csv, problems=problems,
    )  # fmt: skip


def _totals(rows: list[dict], group: str) -> list[charts.Bar]:
    return charts.totals(rows, group, names_of(group, {row[group] for row in rows}))


def _viewer():
    from booking.web.guards import viewer

    return viewer()
