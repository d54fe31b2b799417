"""Where a booking happens and how to get there: one wording for pages, calendar files and mails."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

GETTING_THERE = _l("Getting there: %(access)s")
MAP = _l("Map: %(url)s")


def location(space, site) -> str:
    """« Showroom, La Coque, Euroméditerranée, Marseille »: what a calendar shows under the title."""
    return ", ".join(part for part in (space.name, site.name, site.address or site.city) if part)


def directions(site) -> list[str]:
    """The site's access instructions and its map link, as lines in the current language."""
    lines = []
    if site.access:
        lines.append(str(GETTING_THERE) % {"access": site.access})
    if site.map_url:
        lines.append(str(MAP) % {"url": site.map_url})
    return lines
