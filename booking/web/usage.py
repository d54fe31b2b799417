"""Staff page: booked versus actually used, per space and per company, and when spaces are booked."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request, url_for
from flask_babel import format_decimal

from booking.errors import Invalid
from booking.services import usage_hours, utilization
from booking.web import charts
from booking.web.calendar import local_today
from booking.web.guards import staff_only
from booking.web.nav import page_blueprint

bp = page_blueprint("staff_utilization", __name__, url_prefix="/staff/utilization")


@bp.app_template_filter("hours")
def hours(minutes: int) -> str:
    """Minutes as hours with one decimal, in the reader's language ("6,5 h" in French)."""
    return f"{format_decimal(minutes / 60, format='0.0')} h"


DEFAULT_DAYS = 28


def _period() -> tuple:
    from datetime import date

    today = local_today()
    try:
        end = date.fromisoformat(request.args.get("end", "")) if request.args.get("end") else today
        start = (
            date.fromisoformat(request.args["start"])
            if request.args.get("start")
            else end - timedelta(DEFAULT_DAYS - 1)
        )
    except ValueError:
        start, end = today - timedelta(DEFAULT_DAYS - 1), today
    return start, end


@bp.get("/")
@staff_only
def index():
    """Bars per space and per company, a weekday-by-hour heat map, and the CSV behind them."""
    start, end = _period()
    problems = []
    try:
        by_space = charts.totals(utilization.report(_viewer(), start, end, group="space"), "space")
        by_company = charts.totals(utilization.report(_viewer(), start, end, group="company"), "company")
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


def _viewer():
    from booking.web.guards import viewer

    return viewer()
