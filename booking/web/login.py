"""Signing in and out, choosing the language, and the front door."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _

from booking.auth import SESSION_KEY
from booking.services import accounts, logins
from booking.web.forms import LanguageForm, LoginForm
from booking.web.guards import signed_in, viewer
from booking.web.nav import page_blueprint
from booking.web.redirects import local_target

bp = page_blueprint("login", __name__)


def home_of(user) -> str:
    if user.is_staff:
        return url_for("calendar.overview")
    return url_for("portal.search") if user.organisation else url_for("feeds.index")


@bp.get("/")
def home():
    """Staff land on today's overview, companies on the search; others sign in."""
    user = viewer()
    return redirect(home_of(user) if user else url_for("login.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; after repeated failures (per email, per address) attempts wait a little."""
    if request.method == "GET" and viewer() is not None:
        return redirect(home_of(viewer()))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        result = logins.sign_in(form.email.data, form.password.data, request.remote_addr or "")
        if isinstance(result, logins.Throttled):
            when = format_timedelta(result.retry_after, add_direction=True)  # "dans 2 secondes"
            form.form_errors.append(_("Too many failed attempts. Try again %(when)s.", when=when))
            page = render_template("login.html", form=form)
            return page, 429, {"Retry-After": str(result.seconds)}
        if result is None:
            form.password.errors.append(_("Wrong email or password."))
            status = 401
        else:
            chosen = session.get("lang")
            session.clear()  # a fresh session: nothing from before signing in carries over
            session[SESSION_KEY] = logins.start_session(result)
            if chosen:
                session["lang"] = chosen
                if chosen != result.locale:
                    accounts.set_locale(result, chosen)
            else:
                session["lang"] = result.locale
            return redirect(local_target(form.next.data, home_of(result)))
    elif request.method == "POST":
        status = 422
    return render_template("login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out: the session ends on the server too, so a copy of the cookie opens nothing."""
    if SESSION_KEY in session:
        logins.end_session(str(session[SESSION_KEY]))
    forget_session()
    return redirect(url_for("login.login"))


@bp.post("/logout/everywhere")
@signed_in
def logout_everywhere():
    """Sign out of every browser and device at once, this one included."""
    logins.end_every_session(viewer())
    forget_session()
    flash(_("You are signed out everywhere."), "success")
    return redirect(url_for("login.login"))


def forget_session() -> None:
    """Empty this browser's session; the language choice stays."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.post("/language")
def language():
    """Switch between French and English, and remember it for the signed-in person."""
    form = LanguageForm()
    lang = form.lang.data
    if lang in ("fr", "en"):
        session["lang"] = lang
        user = viewer()
        if user is not None:
            accounts.set_locale(user, lang)
    return redirect(local_target(form.next.data, url_for("login.home")))
