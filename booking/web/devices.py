"""Staff page: is every sensor reporting? Online, stale, offline or missing, last seen, battery."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template, request

from booking.presence import battery_low
from booking.services import availability, readings, sensors
from booking.web.guards import staff_only
from booking.web.nav import page_blueprint

bp = page_blueprint("staff_sensors", __name__, url_prefix="/staff/sensors")


@bp.get("/")
@staff_only
def index():
    """Every registered sensor with its health, and the spaces that have none."""
    now = datetime.now(UTC)
    sites = availability.sites()
    chosen = request.args.get("site") if request.args.get("site") in {s.slug for s in sites} else None
    registered = [(sensor, sensors.sensor_health(sensor, now)) for sensor in sensors.list_sensors(site=chosen)]
    uncovered = []
    for site in sites:
        if chosen and site.slug != chosen:
            continue
        spaces = [space for space in site.spaces if space.active]
        states = readings.live_states(spaces, now) if spaces else []
        uncovered += [
            (site, space) for space, state in zip(spaces, states, strict=True) if state["health"] == "missing"
        ]
    return render_template(
        "staff/sensors.html", registered=registered, uncovered=uncovered, now=now, battery_low=battery_low,
        sites=sites, site=chosen,
    )  # fmt: skip
