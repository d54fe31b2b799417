"""Dates, times and prices written the way the reader's language writes them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import dates, numbers
from flask import Flask
from flask_babel import get_locale

from booking import directions, rules


def local(value: datetime, timezone: str) -> datetime:
    return value.astimezone(ZoneInfo(timezone))


def when(value: datetime, timezone: str, fmt: str = "medium") -> str:
    """A moment in the site's time zone, e.g. « 30 nov. 2026, 10:00 » or "Nov 30, 2026, 10:00 AM"."""
    if fmt != "medium":
        return dates.format_datetime(value, fmt, tzinfo=ZoneInfo(timezone), locale=get_locale())
    # CLDR's medium time has seconds ("20:22:17"), which nobody reads on a page: medium date, short time
    locale, moment = get_locale(), local(value, timezone)
    return locale.datetime_formats["medium"].format(
        dates.format_time(moment, "short", locale=locale), dates.format_date(moment.date(), "medium", locale=locale)
    )


def clock(value: datetime, timezone: str) -> str:
    """The time of day in the site's time zone: 10:00 / 10:00 AM."""
    return dates.format_time(value, "short", tzinfo=ZoneInfo(timezone), locale=get_locale())


def day(value: date | datetime, fmt: str = "full", tz: str | None = None) -> str:
    """A calendar day: « lundi 30 novembre 2026 » / "Monday, November 30, 2026"."""
    if isinstance(value, datetime):
        value = (value.astimezone(ZoneInfo(tz)) if tz else value).date()
    return dates.format_date(value, fmt, locale=get_locale())


def weekday(value: date) -> str:
    return dates.format_date(value, "EEE d MMM", locale=get_locale())


def money(amount: Decimal, currency: str = "EUR") -> str:
    """« 1 500,00 € » / "€1,500.00"."""
    return numbers.format_currency(amount, currency, locale=get_locale())


def incl_vat(excl_vat: Decimal) -> Decimal:
    """What a price agreed excluding VAT costs with it."""
    return rules.quote_for_amount(excl_vat).incl_vat


def register(app: Flask) -> None:
    filters = (("when", when), ("clock", clock), ("day", day), ("weekday", weekday), ("money", money))
    for name, function in filters + (("incl_vat", incl_vat),):
        app.add_template_filter(function, name)
    # the venue's texts (sites.toml) in the page's language
    app.add_template_global(directions.access, "access_text")
    app.add_template_global(directions.photo_alt, "photo_alt")
