"""The navigation bar, the error pages, and what every template may use."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as NoSuchURL

from booking.errors import DomainError, Forbidden, NotFound
from booking.web import labels
from booking.web.guards import viewer
from booking.web.locales import LOCALES
from booking.web.messages import problem_text

# the pages' templates and their CSS and JavaScript, served from the package (no CDN)
assets = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")

# (endpoint, label, for staff, for companies); an entry shows only once its endpoint exists,
# so pages built on other branches appear in the bar as soon as they are registered
# (the staff pages' blueprints are prefixed: "alerts", "sensors"... name the API's)
NAV = [
    ("calendar.overview", _l("Today"), True, False),
    ("calendar.site", _l("Calendar"), True, False),
    ("calendar.approvals", _l("Approvals"), True, False),
    ("signup.companies", _l("Companies"), True, False),
    ("staff_alerts.index", _l("Alerts"), True, False),
    ("staff_sensors.index", _l("Sensors"), True, False),
    ("staff_utilization.index", _l("Utilization"), True, False),
    ("staff_mail.index", _l("E-mail"), True, False),
    ("staff_displays.index", _l("Displays"), True, False),
    ("desk.bookings", _l("Bookings"), True, False),
    ("portal.search", _l("Find a space"), True, True),
    ("portal.roadshow", _l("Roadshow"), False, True),
    ("portal.my_bookings", _l("My bookings"), False, True),
    ("portal_day.waiting", _l("My waitlist"), False, True),
    ("feeds.index", _l("Calendar feeds"), True, True),
    ("colleagues.index", _l("Colleagues"), False, True),
    ("account.index", _l("My account"), False, True),
]


def nav_items(app: Flask) -> list[tuple[str, str]]:
    user = viewer()
    if user is None:
        return []
    return [
        (endpoint, label)
        for endpoint, label, staff, company in NAV
        if endpoint in app.view_functions and ((staff and user.is_staff) or (company and user.organisation))
    ]


# addresses that machines read: an unknown one keeps the API's problem+json
MACHINE_PREFIXES = ("/api/", "/feeds/", "/display/", "/assets/", "/static/")


def wants_a_page() -> bool:
    """A person's browser asked for this address (not the API, a calendar app or a script)."""
    if request.path.startswith(MACHINE_PREFIXES):
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best == "text/html"


def register(app: Flask) -> None:
    app.add_template_filter(problem_text, "translate_problem")

    @app.errorhandler(NoSuchURL)
    def unknown_address(error: NoSuchURL):
        """An address that leads nowhere: a page with a way back for people, problem+json for programs."""
        if not wants_a_page():
            # imported here: booking.api imports the pages' feed URLs, so not at the top
            from booking.api.problems import handle_http_exception

            return handle_http_exception(error)
        return render_template("error.html", status=404, reason="not-found"), 404

    @app.context_processor
    def page_globals() -> dict:
        return {
            "viewer": viewer(),
            "nav_items": nav_items(app),
            "locales": LOCALES,
            "labels": labels,
            "get_locale": get_locale,
        }


def error_page(error: DomainError | HTTPException):
    """Errors on pages are pages, not the API's problem+json."""
    if isinstance(error, CSRFError):
        return render_template("error.html", status=400, reason="csrf"), 400
    if isinstance(error, NotFound):
        return render_template("error.html", status=404, reason="not-found"), 404
    if isinstance(error, Forbidden):
        return render_template("error.html", status=403, reason="forbidden"), 403
    if isinstance(error, DomainError):
        return render_template("error.html", status=error.status, reason="other", detail=error.detail), error.status
    reason = {404: "not-found", 403: "forbidden", 405: "other"}.get(error.code, "other")
    return render_template("error.html", status=error.code, reason=reason), error.code


def page_blueprint(name: str, import_name: str, **kwargs) -> Blueprint:
    """A blueprint whose errors render as HTML pages in the reader's language."""
    bp = Blueprint(name, import_name, template_folder="templates", **kwargs)
    bp.register_error_handler(DomainError, error_page)
    bp.register_error_handler(HTTPException, error_page)
    return bp
