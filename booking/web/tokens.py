"""A person's API tokens on their account page: create one (shown once), see when each was used, revoke it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from booking.services import accounts, feeds
from booking.web.forms import ActionForm, TokenForm
from booking.web.guards import signed_in, viewer
from booking.web.nav import page_blueprint

bp = page_blueprint("tokens", __name__, url_prefix="/account/tokens")


@bp.route("/", methods=["GET", "POST"])
@signed_in
def index():
    """Your API tokens, for programs that book through /api/v1, and a link to your calendar feeds."""
    user = viewer()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token, _record = accounts.create_token(user, name=(form.name.data or "").strip(), actor=user)
        form.name.data = ""
    tokens = [t for t in accounts.tokens_of(user) if t.revoked_at is None]
    page = render_template(
        "account/tokens.html", form=form, tokens=tokens, new_token=new_token, revoke=ActionForm(),
        feed_count=len(feeds.list_feeds(user)),
    )  # fmt: skip
    return page, 422 if form.errors else 200


@bp.post("/<int:token_id>/revoke")
@signed_in
def revoke(token_id: int):
    """Stop a token from working, at once and for good."""
    accounts.revoke_token(token_id, actor=viewer())
    flash(_("The token was revoked: programs using it are refused from now on."), "success")
    return redirect(url_for("tokens.index"))
