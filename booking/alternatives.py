"""When the slot asked for is taken: the nearest free times of the same space, and other spaces free then.

Pure: the caller hands in each space's rules and what is already in its way; nothing here reads
the database or the clock. What is offered is what ``rules.plan_booking`` would accept as it stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from booking import rules
from booking.rules import Quote, SpacePolicy

STEP = timedelta(minutes=30)  # the other times of the day are offered on the half hour of its opening
SAME_DAY = 3  # how many other times of the same day are offered
SAME_WEEK = 3  # how many other days of the week, at the same time
OTHER_SPACES = 3


@dataclass(frozen=True)
class SpaceInQuestion:
    """A space as the search needs it: its rules and the blocks (with buffers) already holding it."""

    key: tuple[str, str]  # (site, space): the caller's name for it
    policy: SpacePolicy
    busy: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class Alternative:
    kind: str  # "other_time" (same space) or "other_space" (same time)
    key: tuple[str, str]
    start: datetime  # UTC
    end: datetime
    quote: Quote


def free_quote(
    space: SpaceInQuestion, start: datetime, end: datetime, attendees: int, *, now: datetime, layout: str | None
) -> Quote | None:
    """The quote when the space could be booked so now, None when a rule or a booking is in the way."""
    plan = rules.plan_booking(space.policy, start, end, attendees, now=now, layout=layout)
    if plan.problems or any(rules.overlaps(*plan.block, *busy) for busy in space.busy):
        return None
    return plan.quote


def _times_of_the_day(policy: SpacePolicy, start: datetime, length: timedelta) -> Iterator[datetime]:
    """Every start on the half-hour grid of the day's opening intervals where a booking of ``length`` fits."""
    day = start.astimezone(policy.tz).date()
    for opens, closes in rules.opening_intervals(policy, day):
        moment, last = opens.replace(tzinfo=None), closes.replace(tzinfo=None)
        while moment < last:  # wall-clock steps: 09:00, 09:30... on DST days too
            found = rules.to_utc(moment, policy.tz)  # None in the hour the clock skips
            if found is not None and found + length <= closes:
                yield found
            moment += STEP


def _same_time_in_the_week(policy: SpacePolicy, start: datetime) -> Iterator[datetime]:
    """The same wall-clock time on the other days of the asked day's week (Monday to Sunday)."""
    local = start.astimezone(policy.tz).replace(tzinfo=None)
    monday = local - timedelta(days=local.weekday())
    for offset in range(7):
        moment = monday + timedelta(days=offset)
        if moment.date() != local.date():
            found = rules.to_utc(moment, policy.tz)
            if found is not None:
                yield found


def other_times(
    space: SpaceInQuestion, start: datetime, end: datetime, attendees: int, *, now: datetime,
    layout: str | None = None,
) -> list[Alternative]:  # fmt: skip
    """The same space for as long: the free times of that day nearest the one asked, then the same time other days."""
    length = end - start

    def nearest(starts: Iterable[datetime], count: int) -> list[Alternative]:
        found = []
        for moment in sorted(set(starts) - {start}, key=lambda m: (abs(m - start), m)):
            quote = free_quote(space, moment, moment + length, attendees, now=now, layout=layout)
            if quote is not None:
                found.append(Alternative("other_time", space.key, moment, moment + length, quote))
                if len(found) == count:
                    break
        return found

    that_day = nearest(_times_of_the_day(space.policy, start, length), SAME_DAY)
    that_week = nearest(_same_time_in_the_week(space.policy, start), SAME_WEEK)
    return sorted(that_day, key=lambda a: a.start) + sorted(that_week, key=lambda a: a.start)


def other_spaces(
    spaces: Iterable[SpaceInQuestion], start: datetime, end: datetime, attendees: int, *, now: datetime,
    layout: str | None = None,
) -> list[Alternative]:  # fmt: skip
    """Other spaces free at the very time asked with room for everyone, cheapest first.

    A layout the other space does not offer is not a reason to leave it out: it is offered for
    the number of people in whichever layout holds them.
    """
    found = []
    for space in spaces:
        wanted = layout if layout in space.policy.capacities else None
        quote = free_quote(space, start, end, attendees, now=now, layout=wanted)
        if quote is not None:
            found.append(Alternative("other_space", space.key, start, end, quote))
    return sorted(found, key=lambda a: (a.quote.incl_vat, a.key))[:OTHER_SPACES]
