"""E-mails' words and links: the templates in ``web/templates/mail/``, in the recipient's language.

Rendered by the scheduler, outside any request: links are built on ``ONEXP_PUBLIC_URL``, never
on a request's Host header (which whoever sends the request chooses).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import dates
from flask import current_app
from flask_babel import force_locale

DEV_PUBLIC_URL = "http://127.0.0.1:8000"  # where `make run` serves


def public_url() -> str:
    return (current_app.config.get("PUBLIC_URL") or DEV_PUBLIC_URL).rstrip("/")


def link(endpoint: str, **values: object) -> str:
    """An absolute URL to one of the service's pages, on the configured public address."""
    base = urlsplit(public_url())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def render(template: str, locale: str, **context: object) -> tuple[str, str]:
    """The text and HTML bodies of ``mail/<template>.txt`` and ``.html`` in ``locale``."""
    env = current_app.jinja_env
    with force_locale(locale):
        text = env.get_template(f"mail/{template}.txt").render(locale=locale, **context)
        html = env.get_template(f"mail/{template}.html").render(locale=locale, **context)
    return text, html


def in_locale(locale: str, text, **values: object) -> str:
    """A lazily translated string, translated now in ``locale`` and filled in."""
    with force_locale(locale):
        return str(text) % values if values else str(text)


def when(start: datetime, end: datetime, timezone: str, locale: str) -> str:
    """« lundi 7 décembre 2026, 10:00–12:00 » / "Monday, December 7, 2026, 10:00 AM–12:00 PM", at the site."""
    tz = ZoneInfo(timezone)
    start, end = start.astimezone(tz), end.astimezone(tz)
    day = dates.format_date(start.date(), "full", locale=locale)
    times = f"{_time(start, tz, locale)}–{_time(end, tz, locale)}"
    if end.date() != start.date():
        times = f"{_time(start, tz, locale)} – " + dates.format_datetime(end, "medium", tzinfo=tz, locale=locale)
    return f"{day}, {times}"


def moment(value: datetime, timezone: str, locale: str) -> str:
    """A deadline at the site: « 7 déc. 2026, 09:45 »."""
    return dates.format_datetime(value, "medium", tzinfo=ZoneInfo(timezone), locale=locale)


def _time(value: datetime, tz: ZoneInfo, locale: str) -> str:
    return dates.format_time(value, "short", tzinfo=tz, locale=locale)
