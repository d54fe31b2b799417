"""Door and lobby displays: full-screen pages for wall tablets, authorised by a display token.

The page is rendered once; its script then swaps in the panel (``?part=panel``) whenever the
site's occupancy stream says the space changed, and every ``DISPLAY_POLL_SECONDS`` in any case
(bookings change too). Door actions post here with the token in the ``Authorization`` header,
so they need no session and no CSRF token: a page on another site cannot know the token.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import segno
from flask import Response, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from booking.errors import DomainError, Forbidden, Invalid, NotFound, Unauthorized
from booking.infra import dbtypes
from booking.models import DisplayToken
from booking.services import displays
from booking.web.locales import DEFAULT_LOCALE, LOCALES
from booking.web.nav import page_blueprint

bp = page_blueprint("display", __name__, url_prefix="/display")
BUILD_HEADER = "X-Display-Build"
# what a deploy changes: the code, the pages, their scripts and styles, their words
BUILT_FROM = ("**/*.py", "web/templates/**/*.html", "web/static/**/*", "translations/*/LC_MESSAGES/*.mo")


def build_id() -> str:
    """What this server runs; a display reloads itself when the answer changes (a deploy)."""
    chosen = current_app.config.get("BUILD_ID")
    if chosen:
        return chosen
    known = current_app.extensions.get("onexp.build_id")
    if known is None:
        root = Path(current_app.root_path)
        digest = hashlib.sha256()
        for pattern in BUILT_FROM:
            for path in sorted(root.glob(pattern)):
                if path.is_file() and "__pycache__" not in path.parts:
                    digest.update(str(path.relative_to(root)).encode())
                    digest.update(path.read_bytes())
        known = current_app.extensions.setdefault("onexp.build_id", digest.hexdigest()[:16])
    return known


def public_url(path: str) -> str:
    return displays.public_base(current_app.config, request.host_url) + path


def display_url(record: DisplayToken, token: str) -> str:
    return displays.display_url(record, token, base=displays.public_base(current_app.config, request.host_url))


def _token() -> str | None:
    """The display's key: the Authorization header (the page's script) or the URL (the first load)."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.args.get("token") or None


def _lang() -> str:
    lang = request.args.get("lang", DEFAULT_LOCALE)
    return lang if lang in LOCALES else DEFAULT_LOCALE


def _answer(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    response.headers[BUILD_HEADER] = build_id()
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the page's URL carries its token
    return response


def _refused(error: DomainError, *, part: bool) -> Response:
    status = 403 if isinstance(error, Forbidden) else 401
    template = "display/refused_panel.html" if part else "display/refused.html"
    return _answer(render_template(template, lang=_lang()), status)


def _qr(url: str) -> Markup:
    """The space's portal page as a QR code: inline SVG, drawn here (no script, no CDN), dark on light
    with the four-module quiet zone the standard asks for, whatever the page's theme."""
    svg = segno.make(url, error="m").svg_inline(scale=6, dark="#111", light="#fff", border=4, omitsize=True)
    return Markup(svg)


def _room(site: str, space: str, *, said: dict | None = None, status: int = 200) -> Response:
    with force_locale(_lang()):
        part = said is not None or request.args.get("part") == "panel"
        try:
            display = displays.authorise(_token(), site, space)
        except (Unauthorized, Forbidden) as error:
            return _refused(error, part=part)
        view = displays.room_view(display)
        urls = _urls(site, space)
        if part:
            return _answer(render_template("display/room_panel.html", view=view, urls=urls, said=said), status)
        portal = public_url(url_for("portal.book", site=site, space=space))
        page = render_template(
            "display/room.html", view=view, urls=urls, token=_token(), lang=_lang(), build=build_id(),
            qr=_qr(portal), portal=portal, config=current_app.config, said=None,
        )  # fmt: skip
        return _answer(page)


def _urls(site: str, space: str | None) -> dict[str, str]:
    lang = {"lang": _lang()} if _lang() != DEFAULT_LOCALE else {}
    if space is None:
        return {"panel": url_for("display.lobby", site=site, part="panel", **lang), "stream": _stream(site)}
    return {
        "panel": url_for("display.room", site=site, space=space, part="panel", **lang),
        "stream": _stream(site),
        "check_in": url_for("display.check_in", site=site, space=space, **lang),
        "book_now": url_for("display.book_now", site=site, space=space, **lang),
    }


def _stream(site: str) -> str:
    return url_for("occupancy.OccupancyStream", site=site)


@bp.get("/<site>/<space>")
@dbtypes.read_only()  # every display refreshes every few seconds: never queue with the ingest writer
def room(site: str, space: str):
    """A room's door display: free, waiting for check-in, in use; the day's next bookings."""
    return _room(site, space)


@bp.post("/<site>/<space>/check-in")
def check_in(site: str, space: str):
    """The door's "check in" button: the current booking's people are here."""
    with force_locale(_lang()):
        try:
            display = displays.authorise(_token(), site, space)
        except (Unauthorized, Forbidden) as error:
            return _refused(error, part=True)
        try:
            booking = displays.check_in(display, _number("booking"))
        except displays.Refused as refused:
            return _room(site, space, said=_refusal(refused), status=refused.error.status)
        except (NotFound, Invalid) as error:
            return _room(site, space, said={"ok": False, "code": "gone"}, status=error.status)
        return _room(site, space, said={"ok": True, "code": "checked_in", "booking": booking.id})


@bp.post("/<site>/<space>/book-now")
def book_now(site: str, space: str):
    """The door's "book now" buttons: the free room, from now, for the venue's walk-in account."""
    with force_locale(_lang()):
        try:
            display = displays.authorise(_token(), site, space)
        except (Unauthorized, Forbidden) as error:
            return _refused(error, part=True)
        minutes = _number("minutes")
        try:
            booking = displays.book_now(display, minutes, title=_("Booked at the door"))
        except displays.Refused as refused:
            return _room(site, space, said=_refusal(refused), status=refused.error.status)
        except Invalid as error:
            return _room(site, space, said={"ok": False, "code": "refused"}, status=error.status)
        return _room(site, space, said={"ok": True, "code": "booked", "end": booking.end_at, "minutes": minutes})


def _refusal(refused: displays.Refused) -> dict:
    return {"ok": False, "code": refused.code, **refused.params}


def _number(name: str) -> int:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return 0


@bp.get("/<site>")
@dbtypes.read_only()
def lobby(site: str):
    """A site's lobby display: every space with its state, and today's bookings."""
    with force_locale(_lang()):
        part = request.args.get("part") == "panel"
        try:
            display = displays.authorise(_token(), site)
        except (Unauthorized, Forbidden) as error:
            return _refused(error, part=part)
        view = displays.lobby_view(display)
        urls = _urls(site, None)
        if part:
            return _answer(render_template("display/lobby_panel.html", view=view, urls=urls))
        page = render_template(
            "display/lobby.html", view=view, urls=urls, token=_token(), lang=_lang(), build=build_id(),
            config=current_app.config,
        )  # fmt: skip
        return _answer(page)
