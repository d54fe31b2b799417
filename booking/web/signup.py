"""Sign-up for companies nobody created: the form, the verification link, and staff's approval page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from booking.errors import Conflict, Invalid
from booking.services import signup
from booking.web.forms import ActionForm, SignupForm
from booking.web.guards import staff_only, viewer
from booking.web.messages import problem_text
from booking.web.nav import page_blueprint

bp = page_blueprint("signup", __name__)


@bp.route("/signup", methods=["GET", "POST"])
def signup_form():
    """A new company's account, or a request to join one; the answer never says whether the address is known."""
    form = SignupForm()
    if request.method == "GET":
        form.locale.data = get_locale().language
    status = 200
    if form.validate_on_submit():
        join = form.join.data == "join"
        if not join and not form.password.data:
            form.password.errors.append(_("Please fill in this field."))
        else:
            req = signup.SignupRequest(
                email=form.email.data, name=form.name.data, password=form.password.data or "",
                locale=form.locale.data, company=form.company.data, join=join, country=form.country.data,
                vat_number=form.vat_number.data or "", billing_address=form.billing_address.data or "",
            )  # fmt: skip
            try:
                signup.sign_up(req, address=request.remote_addr or "")
                return redirect(url_for("signup.sent"))
            except signup.TooManyAttempts:
                form.form_errors.append(_("Too many attempts from here. Try again in an hour."))
                status = 429
            except Invalid as error:
                for problem in error.problems:
                    field = getattr(form, problem.field, None)
                    (field.errors if field is not None else form.form_errors).append(problem_text(problem))
    if request.method == "POST" and status == 200:
        status = 422
    return render_template("signup/form.html", form=form), status


@bp.get("/signup/sent")
def sent():
    """What everyone is told after signing up: look in your mailbox."""
    return render_template("signup/sent.html")


@bp.route("/signup/verify/<token>", methods=["GET", "POST"])
def verify(token: str):
    """The link in the verification mail: a button to confirm (mail scanners open links, they do not press)."""
    form = ActionForm()
    if form.validate_on_submit():
        user = signup.verify(token)
        if user is None:
            return render_template("signup/verify.html", form=form, invalid=True), 410
        return render_template("signup/verified.html", user=user)
    return render_template("signup/verify.html", form=form, invalid=False)


@bp.get("/staff/companies")
@staff_only
def companies():
    """Companies that signed up on their own and wait for staff."""
    return render_template("staff/companies.html", companies=signup.pending_companies(), form=ActionForm())


@bp.post("/staff/companies/<slug>/<any(approve, decline):decision>")
@staff_only
def decide(slug: str, decision: str):
    """Approve a company (its waiting bookings go ahead) or decline it."""
    form = ActionForm()
    if form.validate_on_submit():
        try:
            company = signup.decide(viewer(), slug, decision == "approve")
            message = _("%(company)s is approved.") if decision == "approve" else _("%(company)s is declined.")
            flash(message % {"company": company.name}, "success")
        except Conflict:
            flash(_("Someone else has already decided about this company."), "error")
    return redirect(url_for("signup.companies"))
