"""Staff page: the e-mail on its way out, and what became of it (a refused address shows here)."""

from __future__ import annotations

from flask import render_template, request

from booking.models import MailStatus
from booking.services import mail
from booking.web.guards import staff_only
from booking.web.nav import page_blueprint

bp = page_blueprint("staff_mail", __name__, url_prefix="/staff/mail")


@bp.get("/")
@staff_only
def index():
    """The latest messages, or only those that failed, with the mail server's last answer."""
    show = request.args.get("show") if request.args.get("show") in tuple(MailStatus) else "all"
    messages = mail.recent(status=None if show == "all" else show, limit=200)
    return render_template("staff/mail.html", messages=messages, show=show, server=mail.mail_server().label)
