"""Forgotten passwords (reached from the sign-in page) and changing one's own."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from booking.auth import SESSION_KEY
from booking.errors import Invalid
from booking.services import logins, passwords, signup
from booking.web.forms import ChangePasswordForm, EmailForm, NewPasswordForm
from booking.web.guards import signed_in, viewer
from booking.web.messages import problem_text
from booking.web.nav import page_blueprint

bp = page_blueprint("passwords", __name__)


@bp.route("/login/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for a reset link; everyone hears the same answer."""
    form = EmailForm()
    if form.validate_on_submit():
        try:
            passwords.request_reset(form.email.data, address=request.remote_addr or "")
        except signup.TooManyAttempts:
            form.form_errors.append(_("Too many attempts from here. Try again in an hour."))
            return render_template("passwords/forgot.html", form=form), 429
        return render_template("passwords/forgot_sent.html")
    return render_template("passwords/forgot.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """The link in the reset mail: choose a new password, then sign in with it."""
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = passwords.reset(token, form.password.data)
        except Invalid as error:
            form.password.errors.extend(problem_text(p) for p in error.problems)
        else:
            if user is None:
                return render_template("passwords/reset.html", form=form, invalid=True), 410
            flash(_("Your password is changed: sign in with it."), "success")
            return redirect(url_for("login.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("passwords/reset.html", form=form, invalid=False), status


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change():
    """Change one's password, knowing the current one."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            person = viewer()
            passwords.change(person, form.current.data, form.password.data)
        except Invalid as error:
            for problem in error.problems:
                getattr(form, problem.field, form.password).errors.append(problem_text(problem))
        else:
            session[SESSION_KEY] = logins.start_session(person)  # the others ended; this browser stays in
            flash(_("Your password is changed."), "success")
            return redirect(url_for("account.index"))
    return render_template("passwords/change.html", form=form), 422 if request.method == "POST" else 200
