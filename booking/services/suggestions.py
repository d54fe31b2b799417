"""What a 409 suggests when the slot is taken: the same space at other times, other spaces then.

The search itself is pure (booking.alternatives); this reads what it needs, once per space.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking import alternatives, rules
from booking.models import Space
from booking.services.busy import overlapping


def _blocks(space: Space, start: datetime, end: datetime) -> tuple[tuple[datetime, datetime], ...]:
    return tuple((b.block_start, b.block_end) for b in overlapping(space.id, start, end))


def nearest(
    space: Space, start: datetime, end: datetime, attendees: int, *, layout: str | None, now: datetime,
    policy_of: Callable[[Space], rules.SpacePolicy],
) -> list[alternatives.Alternative]:  # fmt: skip
    """The nearest free times of ``space`` that day and week, then other spaces of its site free at that time."""
    policy = policy_of(space)
    local = start.astimezone(policy.tz)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time(0), policy.tz)
    week = (monday, monday + timedelta(days=7))  # the search never looks further than this week
    here = alternatives.SpaceInQuestion((space.site.slug, space.slug), policy, _blocks(space, *week))
    found = alternatives.other_times(here, start, end, attendees, now=now, layout=layout)
    others = [
        alternatives.SpaceInQuestion((space.site.slug, other.slug), policy_of(other), _blocks(other, *block))
        for other in space.site.spaces
        if other.active and other.id != space.id
        for block in [rules.blocked_interval(policy_of(other), start, end)]
    ]
    return found + alternatives.other_spaces(others, start, end, attendees, now=now, layout=layout)


def as_json(found: list[alternatives.Alternative], timezone: str) -> list[dict]:
    """Alternatives as the API's problem document carries them: local times with offsets, each with its quote."""
    tz = ZoneInfo(timezone)
    return [
        {
            "kind": a.kind,
            "site": a.key[0],
            "space": a.key[1],
            "start": a.start.astimezone(tz).isoformat(),
            "end": a.end.astimezone(tz).isoformat(),
            "quote": {
                "excl_vat": f"{a.quote.excl_vat:.2f}", "vat": f"{a.quote.vat:.2f}",
                "incl_vat": f"{a.quote.incl_vat:.2f}", "vat_rate": f"{rules.VAT_RATE:.2f}",
                "currency": a.quote.currency, "lines": list(a.quote.lines),
            },
        }  # fmt: skip
        for a in found
    ]
