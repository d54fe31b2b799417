"""Staff page: the open alerts (and recent resolved ones), to acknowledge or resolve."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking.errors import Conflict
from booking.services import alerts, availability
from booking.web.guards import staff_only, viewer
from booking.web.nav import page_blueprint

bp = page_blueprint("staff_alerts", __name__, url_prefix="/staff/alerts")


@bp.get("/")
@staff_only
def index():
    """Open alerts first, then the most recently resolved."""
    show = "all" if request.args.get("show") == "all" else "open"
    sites = availability.sites()
    site = request.args.get("site") if request.args.get("site") in {s.slug for s in sites} else None
    shown = alerts.list_alerts(open_only=show == "open", site=site, limit=200)
    return render_template("staff/alerts.html", alerts=shown, show=show, sites=sites, site=site)


@bp.post("/<int:alert_id>/<any(acknowledge, resolve):action>")
@staff_only
def act(alert_id: int, action: str):
    """Acknowledge (someone is on it) or resolve an alert."""
    try:
        if action == "acknowledge":
            alerts.acknowledge(viewer(), alert_id)
            flash(_("Alert acknowledged."), "success")
        else:
            alerts.resolve(viewer(), alert_id, reason=request.form.get("reason", "").strip()[:200])
            flash(_("Alert resolved."), "success")
    except Conflict:
        flash(_("Someone else has already dealt with this alert."), "error")
    return redirect(url_for("staff_alerts.index", show=request.args.get("show", "open"), site=request.args.get("site")))
