"""Where a booking happens and how to get there: one wording for pages, calendar files and mails."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

GETTING_THERE = _l("Getting there: %(access)s")
MAP = _l("Map: %(url)s")


def location(space, site) -> str:
    """« Showroom, La Coque, Euroméditerranée, Marseille »: what a calendar shows under the title."""
    return ", ".join(part for part in (space.name, site.name, site.address or site.city) if part)


def in_language(french: str, english: str, locale: str | None = None) -> str:
    """The venue's own text in the reader's language: English for English readers, French for everyone
    else (the venue's language); either one when only one was written."""
    locale = locale or str(get_locale() or "fr")
    return (english or french) if locale.startswith("en") else (french or english)


def access(site, locale: str | None = None) -> str:
    """How to get to the site and in, in ``locale`` (default: the current one)."""
    return in_language(site.access, site.access_en, locale)


def photo_alt(space, locale: str | None = None) -> str:
    """What the space's picture shows, for those who cannot see it."""
    return in_language(space.photo_alt, space.photo_alt_en, locale)


def directions(site) -> list[str]:
    """The site's access instructions and its map link, as lines in the current language."""
    lines = []
    if text := access(site):
        lines.append(str(GETTING_THERE) % {"access": text})
    if site.map_url:
        lines.append(str(MAP) % {"url": site.map_url})
    return lines
