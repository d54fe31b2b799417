"""The local mail catcher's pages (development only): every message ``make run`` sent, readable.

Shown only while mail goes to a Maildir folder (``ONEXP_MAIL_URL`` empty or ``maildir://``),
which production refuses; they need no sign-in, so a newcomer who signed up can open the
verification link. The HTML body is served on its own with a sandboxing CSP: it is mail, not a page.
"""

from __future__ import annotations

import mailbox
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from flask import Response, abort, render_template
from markupsafe import Markup, escape

from booking.services import mail
from booking.web.nav import page_blueprint

bp = page_blueprint("mailbox", __name__, url_prefix="/dev/mail")
KEY = re.compile(r"^[\w.,:=-]{1,200}$")
URL = re.compile(r"https?://[^\s<>\"']+")
HTML_POLICY = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
)


def folder() -> Path:
    """The catcher's Maildir, or a 404 when mail goes to a real server."""
    server = mail.mail_server()
    if server.scheme != "maildir":
        abort(404)
    return Path(server.path)


def _open(key: str) -> EmailMessage:
    if not KEY.match(key):
        abort(404)
    try:
        raw = mailbox.Maildir(folder(), create=False).get_bytes(key)
    except (KeyError, OSError, mailbox.NoSuchMailboxError):
        abort(404)
    return message_from_bytes(raw, policy=policy.default)


def _part(message: EmailMessage, content_type: str):
    return next((p for p in message.walk() if p.get_content_type() == content_type), None)


def linked(text: str) -> Markup:
    """Plain text with its web addresses clickable, everything else escaped."""
    out, last = [], 0
    for match in URL.finditer(text):
        out += [escape(text[last : match.start()]), Markup('<a href="{0}">{0}</a>').format(match.group())]
        last = match.end()
    return Markup("").join([*out, escape(text[last:])])


@bp.get("/")
def index():
    """Every message the catcher received, newest first."""
    path = folder()
    rows = []
    if (path / "new").is_dir():
        box = mailbox.Maildir(path, create=False)
        for key in box.iterkeys():
            message = box.get_message(key)
            rows.append(
                {"key": key, "date": message.get_date(), "sent": message["Date"], "to": message["To"],
                 "subject": message["Subject"]}
            )  # fmt: skip
        rows.sort(key=lambda row: row["date"], reverse=True)
    return render_template("dev/mailbox.html", messages=rows, folder=path)


@bp.get("/<key>")
def message(key: str):
    """One message: its headers, its text with working links, and its other parts."""
    found = _open(key)
    text = _part(found, "text/plain")
    return render_template(
        "dev/message.html",
        key=key,
        message=found,
        text=linked(text.get_content()) if text else "",
        has_html=_part(found, "text/html") is not None,
        invitation=_part(found, "text/calendar"),
    )


@bp.get("/<key>/html")
def html(key: str):
    """The HTML body as a mail reader shows it: no script, nothing fetched."""
    part = _part(_open(key), "text/html")
    if part is None:
        abort(404)
    return Response(part.get_content(), mimetype="text/html", headers={"Content-Security-Policy": HTML_POLICY})


@bp.get("/<key>/invite.ics")
def invitation(key: str):
    """The invitation part, to open in a calendar application."""
    part = _part(_open(key), "text/calendar")
    if part is None:
        abort(404)
    return Response(part.get_content(), mimetype="text/calendar", headers={"Content-Disposition": "attachment"})
