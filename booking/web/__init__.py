"""Pages for venue staff and companies, in French and English, and the iCalendar feeds.

Server-rendered Jinja with a little plain JavaScript; views parse forms, call services
and render: no domain rule lives here.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import flask_babel
from flask import Flask, g, request, session
from flask.sessions import SecureCookieSessionInterface

from booking.extensions import babel, csrf
from booking.web.locales import DEFAULT_LOCALE, LOCALES

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# API writes need a bearer token (booking.auth ignores the session for them), and calendar
# apps fetch feeds with GET: every other write is a form, and needs the form's CSRF token.
# Door displays' actions carry their display token in the Authorization header, never a cookie
# (booking.web.display), so another site cannot forge them either.
CSRF_EXEMPT_PREFIXES = ("/api/", "/display/")


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus building a signer for a request without the cookie.

    That is every API call (bearer tokens), and the signer (itsdangerous, keys derived per
    request) cost as much as a tenth of a booking's Python time.
    """

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def select_locale() -> str:
    """The language the person chose (kept in the session), French until they choose."""
    lang = session.get("lang")
    return lang if lang in LOCALES else DEFAULT_LOCALE


def warn_if_uncompiled(app: Flask) -> None:
    """Say so loudly when a catalog was never compiled: Flask-Babel would quietly show English."""
    for locale in LOCALES:
        compiled = Path(app.root_path) / "translations" / locale / "LC_MESSAGES" / "messages.mo"
        if locale != "en" and not compiled.exists():
            log.warning("no %s; run `make install` (or `pybabel compile -d booking/translations`)", compiled)


def init_app(app: Flask) -> None:
    from booking.web import (
        account,
        alerts,
        attendance,
        booking_panel,
        calendar,
        cancelling,
        changes,
        colleagues,
        desk,
        devices,
        display,
        displays,
        feeds,
        formatting,
        headers,
        login,
        mail,
        mailbox,
        nav,
        passwords,
        portal,
        signup,
        tokens,
        usage,
    )

    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Paris")
    # checked by our own before_request below, so JSON API writes are not refused
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # a staff page stays open all day: the token lives as long as the session, not one hour
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # Flask defines this key (as None), so setdefault would never set it. Lax: another site's
    # form posts and frames get no cookie, links from a mail or a calendar still arrive signed in
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # the cookie's signature expires with the server-side session (booking.services.logins)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_HOURS"])
    app.session_interface = SignedCookieSessions()
    babel.init_app(app, locale_selector=select_locale)
    warn_if_uncompiled(app)
    csrf.init_app(app)

    @app.before_request
    def protect_forms() -> None:
        """Every non-API write must carry the CSRF token of the form it came from."""
        # One app context may serve several requests (the test client's does): the locale
        # and the CSRF token and verdict that Flask-Babel and Flask-WTF cache on ``g`` must not carry over.
        flask_babel.refresh()
        g.pop("csrf_valid", None)
        g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
        if request.method not in SAFE_METHODS and not request.path.startswith(CSRF_EXEMPT_PREFIXES):
            csrf.protect()

    headers.init_app(app)
    formatting.register(app)
    nav.register(app)
    for blueprint in (
        nav.assets,
        login.bp,
        calendar.bp,
        booking_panel.bp,
        portal.bp,
        cancelling.bp,
        cancelling.dates_bp,
        feeds.bp,
        alerts.bp,
        devices.bp,
        usage.bp,
        attendance.bp,
        mail.bp,
        mailbox.bp,
        account.bp,
        display.bp,
        displays.bp,
        signup.bp,
        passwords.bp,
        colleagues.bp,
        tokens.bp,
        desk.bp,
        changes.bp,
    ):
        app.register_blueprint(blueprint)
