"""Staff page: the venues' door and lobby displays, their addresses, and revoking them."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length

from booking.services import availability, displays
from booking.web.display import display_url
from booking.web.forms import ActionForm, options
from booking.web.guards import staff_only, viewer
from booking.web.nav import page_blueprint

bp = page_blueprint("staff_displays", __name__, url_prefix="/staff/displays")


class DisplayForm(FlaskForm):
    target = SelectField(_l("What the display shows"), choices=[], validate_choice=True)
    name = StringField(_l("Where it hangs (optional)"), validators=[Length(max=100)])


def display_choices() -> list[tuple[str, str]]:
    choices = []
    for site in availability.sites():
        choices.append((site.slug, _("Lobby of %(site)s: every room", site=site.name)))
        for space in site.spaces:
            if space.active:
                choices.append((f"{site.slug}/{space.slug}", f"— {space.name} · {site.name}"))
    return choices


@bp.route("/", methods=["GET", "POST"])
@staff_only
def index():
    """Every display that works, and a form for a new one; its address is shown once."""
    form = DisplayForm()
    form.target.choices = options(display_choices())
    new_url = None
    if form.validate_on_submit():
        site, _sep, space = form.target.data.partition("/")
        token, record = displays.create_display(site, space or None, name=form.name.data.strip(), actor=viewer())
        new_url = display_url(record, token)
    return render_template(
        "staff/displays.html", form=form, displays=displays.list_displays(viewer()), new_url=new_url,
        revoke=ActionForm(),
    ), (422 if form.errors else 200)  # fmt: skip


@bp.post("/<int:display_id>/revoke")
@staff_only
def revoke(display_id: int):
    """Stop a display's address from working: the tablet says so within a minute."""
    displays.revoke_display(display_id, actor=viewer())
    flash(_("The display was revoked: its address no longer works."), "success")
    return redirect(url_for("staff_displays.index"))
