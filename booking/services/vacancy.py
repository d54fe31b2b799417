"""Why a search found no free space, when one reason holds for every space it looked at.

"Try fewer people" is no help on a Sunday, a holiday or a time already gone: the search page
says what stands in the way instead. Each reason is a Problem with a stable code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from booking import rules
from booking.extensions import db
from booking.models import Site, Space
from booking.rules import Problem
from booking.services import bookings, catalog

# the reasons worth telling apart, in the order a reader would want to hear them
SHARED = ("in_the_past", "too_far_ahead", "closed", "outside_opening_hours", "over_capacity")


def why_none_free(
    start: datetime, end: datetime, *, now: datetime, attendees: int = 1, site: str | None = None,
    equipment: tuple[str, ...] = (),
) -> list[Problem]:  # fmt: skip
    """The one reason every candidate space shares (as a Problem), or nothing: then it is just taken."""
    query = select(Space).where(Space.active)
    if site:
        query = query.join(Site).where(Site.slug == site)
    spaces = [s for s in db.session.scalars(query) if set(equipment) <= set(s.equipment)]
    if not spaces:
        return []
    closures = catalog.closures_by_space(spaces)
    found = [
        {p.code: p for p in rules.check_booking(catalog.policy_of(s, closures[s.id]), start, end, attendees, now=now)}
        for s in spaces
    ]
    for code in SHARED:
        if all(code in problems for problems in found):
            return [_shared(code, found, spaces, closures)]
    return []


def _shared(code: str, found: list[dict], spaces: list[Space], closures: dict) -> Problem:
    """The shared reason, said for the whole search rather than for one space."""
    first = found[0][code]
    if code == "closed":
        day = date.fromisoformat(first.params["date"])
        reasons = sorted(
            {c.reason for s in spaces for c in closures[s.id] if c.reason and c.starts_on <= day <= c.ends_on}
        )
        params = {"date": first.params["date"], "reasons": reasons}
        return Problem("date", "every space is closed that day", "all_closed", params)
    if code == "outside_opening_hours":
        if not any(problems[code].params.get("open") for problems in found):
            return Problem("date", "every space is closed that day of the week", "all_closed_weekday", first.params)
        # the hours are one site's when the search was for one site; across sites, they differ
        same = all(problems[code].params.get("open") == first.params.get("open") for problems in found)
        params = {"date": first.params["date"], "open": first.params.get("open") if same else []}
        return Problem("start", "outside every space's opening hours", "all_outside_opening_hours", params)
    if code == "over_capacity":
        largest = max(s.max_capacity for s in spaces)
        params = {"people": first.params.get("people"), "capacity": largest}
        message = f"no space holds that many people (at most {largest})"
        return Problem("attendees", message, "nowhere_big_enough", params)
    return first


@dataclass
class Look:
    """One space for one time as a form shows it before booking: what it holds, whether it is free, its price."""

    space: Space
    problems: list[Problem]
    free: bool
    quote: rules.Quote | None


def look_at(space: Space, start: datetime, end: datetime, *, attendees: int, now: datetime) -> Look:
    """Check one roadshow stop without booking it (reads only: a lapsed hold in the way counts as free)."""
    policy = catalog.policy_of(space)
    problems = rules.check_booking(policy, start, end, attendees, now=now)
    in_the_way = [
        b for b in bookings.overlapping(space.id, *rules.blocked_interval(policy, start, end))
        if not rules.hold_lapsed(b.status, b.hold_expires_at, now)
    ]  # fmt: skip
    quote = rules.quote(policy, start, end) if end > start else None
    return Look(space, problems, free=not in_the_way, quote=quote)
