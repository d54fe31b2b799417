"""A company's people: see them, invite, remove, pass the admin role on; accepting an invitation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking.errors import Conflict, Invalid
from booking.services import colleagues
from booking.web.forms import ActionForm, InviteForm, JoinForm
from booking.web.guards import company_only, viewer
from booking.web.messages import error_text, problem_text
from booking.web.nav import page_blueprint

bp = page_blueprint("colleagues", __name__)


@bp.route("/colleagues", methods=["GET", "POST"])
@company_only
def index():
    """The company's people; its admins invite new ones here."""
    form = InviteForm()
    status = 200
    if viewer().company_admin and form.validate_on_submit():
        try:
            invited = colleagues.invite(viewer(), form.email.data, form.name.data or "")
            flash(_("%(email)s is invited: they got an e-mail to choose their password.", email=invited.email),
                  "success")  # fmt: skip
            return redirect(url_for("colleagues.index"))
        except Invalid as error:
            form.email.errors.extend(problem_text(p) for p in error.problems)
            status = 422
        except Conflict:
            form.email.errors.append(_("This address already has an account."))
            status = 409
    elif request.method == "POST":
        status = 422
    people = colleagues.members(viewer())
    return render_template("colleagues/index.html", form=form, people=people, action=ActionForm()), status


@bp.post("/colleagues/<int:user_id>/<any(remove, promote):change>")
@company_only
def change(user_id: int, change: str):
    """Remove a colleague, or pass the admin role on to them."""
    if ActionForm().validate_on_submit():
        try:
            if change == "remove":
                colleagues.remove(viewer(), user_id)
                flash(_("They no longer belong to the company."), "success")
            else:
                colleagues.make_admin(viewer(), user_id)
                flash(_("They are the company's administrator now."), "success")
        except Conflict as error:
            flash(error_text(error), "error")
    return redirect(url_for("colleagues.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str):
    """The invitation's link: choose a name and a password, then sign in."""
    form = JoinForm()
    if form.validate_on_submit():
        try:
            user = colleagues.accept(token, form.name.data, form.password.data)
        except Invalid as error:
            form.password.errors.extend(problem_text(p) for p in error.problems)
        else:
            if user is None:
                return render_template("colleagues/accept.html", form=form, invalid=True), 410
            flash(_("Welcome: sign in with your new password."), "success")
            return redirect(url_for("login.login"))
    return render_template("colleagues/accept.html", form=form, invalid=False), 422 if request.method == "POST" else 200
