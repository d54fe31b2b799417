"""A person's own account: reminders and, from a reminder's link, stopping them in one click."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from booking.errors import NotFound
from booking.services import opt_out, reminders
from booking.web.forms import ActionForm
from booking.web.guards import signed_in, viewer
from booking.web.nav import page_blueprint

bp = page_blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@signed_in
def index():
    """What the signed-in person can change about their account."""
    return render_template("account/index.html", form=ActionForm())


@bp.post("/reminders/<any(on, off):choice>")
@signed_in
def reminders_choice(choice: str):
    """Turn the day-before reminders on or off."""
    user = viewer()
    if choice == "off":
        reminders.stop_reminders(user)
        flash(_("You will no longer get a reminder the day before."), "success")
    else:
        reminders.resume_reminders(user)
        flash(_("You will get a reminder the day before each booking."), "success")
    return redirect(url_for("account.index"))


@bp.route("/reminders/stop/<token>", methods=["GET", "POST"])
def stop_reminders(token: str):
    """The link in every reminder: a button (a mail scanner following links stops nothing), no sign-in."""
    user = opt_out.user_for_opt_out(token)
    if user is None:
        raise NotFound("this link is not valid")
    form = ActionForm()
    if form.validate_on_submit():
        reminders.stop_reminders(user)
        return render_template("account/reminders_stopped.html", user=user)
    return render_template("account/stop_reminders.html", form=form, user=user)
