"""Recurring bookings: an RFC 5545 RRULE expanded into occurrences, at a bounded cost. Pure.

The expansion walks the rule's periods (days, weeks, months or years) itself, and stops at
the space's booking horizon, at COUNT, at UNTIL or when its budget of calendar days is spent,
whichever comes first. dateutil's iterator cannot be bounded that way: it checks UNTIL only
against dates that match, so a rule whose dates never come (``BYMONTH=2;BYMONTHDAY=30``) runs
on to the year 9999: some 2.9 million days for a daily or an hourly rule.
Parsing is icalendar's (``vRecur``); what the BY parts mean follows RFC 5545 §3.3.10's table.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import vRecur

from booking.rules import Problem

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")  # a booking repeats at most daily
FINER = ("HOURLY", "MINUTELY", "SECONDLY")
PARTS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# calendar days a rule may look at before it must have ended: ten years of a daily rule,
# far beyond any horizon a space is booked to (the horizon stops a rule long before)
BUDGET = 3660
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


@dataclass(frozen=True)
class Occurrence:
    start: datetime  # UTC
    end: datetime  # UTC
    local_date: date


@dataclass(frozen=True)
class Rule:
    """A parsed RRULE, each BY part as plain values (empty: not given)."""

    freq: str
    interval: int = 1
    count: int | None = None
    until: date | datetime | None = None
    weekdays: tuple[tuple[int | None, int], ...] = ()  # BYDAY as (nth or None, weekday 0-6)
    monthdays: tuple[int, ...] = ()
    months: tuple[int, ...] = ()
    setpos: tuple[int, ...] = ()
    week_start: int = 0


@dataclass
class Expansion:
    """What expanding a rule gave, and what it cost (``days``: calendar days looked at)."""

    occurrences: list[Occurrence] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    days: int = 0


def parse_rrule(text: str) -> tuple[Rule | None, list[Problem]]:
    """The rule in ``text``, or the problems that make it one we do not book."""
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "\n" in text or "\r" in text or ":" in text:
        return None, [_problem("give a single RRULE value such as FREQ=WEEKLY;COUNT=10")]
    names = [part.partition("=")[0].strip().upper() for part in text.split(";")]
    if "FREQ" not in names:
        return None, [_problem("FREQ is missing, e.g. FREQ=WEEKLY;COUNT=10")]
    try:
        parsed = vRecur.from_ical(text)
    except (ValueError, TypeError) as exc:
        return None, [_problem(f"not a valid RRULE: {exc}")]
    freq = str(parsed["FREQ"][0]).upper()
    if freq in FINER:
        return None, [_problem(f"FREQ={freq} repeats within a day: a series repeats DAILY at the finest")]
    unknown = [name for name in names if name not in PARTS]
    if unknown:
        return None, [_problem(f"{', '.join(unknown)} not supported: a series uses {', '.join(PARTS)}")]
    if len(set(names)) != len(names):
        return None, [_problem("each part may appear once")]
    if "COUNT" in parsed and "UNTIL" in parsed:
        return None, [_problem("give COUNT or UNTIL, not both (RFC 5545)")]
    if "COUNT" not in parsed and "UNTIL" not in parsed:
        return None, [_problem("the series never ends: add COUNT or UNTIL")]
    try:
        rule = Rule(
            freq=freq,
            interval=_one(parsed, "INTERVAL", 1, 1, 366),
            count=_one(parsed, "COUNT", None, 1, 10_000),
            until=parsed["UNTIL"][0] if "UNTIL" in parsed else None,
            weekdays=tuple(_weekday(str(value), freq) for value in parsed.get("BYDAY", ())),
            monthdays=_numbers(parsed, "BYMONTHDAY", 31),
            months=tuple(_in_range(int(str(value)), 1, 12, "BYMONTH") for value in parsed.get("BYMONTH", ())),
            setpos=_numbers(parsed, "BYSETPOS", 366),
            week_start=WEEKDAYS.index(str(parsed["WKST"][0]).upper()) if "WKST" in parsed else 0,
        )
    except ValueError as exc:
        return None, [_problem(str(exc))]
    if rule.monthdays and freq == "WEEKLY":
        return None, [_problem("BYMONTHDAY does not apply to FREQ=WEEKLY (RFC 5545)")]
    return rule, []


def expand_rrule(
    text: str, start: datetime, end: datetime, tz: ZoneInfo, *, max_occurrences: int,
    horizon: datetime | None = None, budget: int = BUDGET,
) -> Expansion:  # fmt: skip
    """Occurrences of an RRULE, repeating the first booking's local wall-clock time.

    Expanded in the site's time zone, so 09:00 stays 09:00 across a DST change; each lasts
    exactly as long as the first (RFC 5545 §3.8.5.3). An UNTIL past ``horizon`` (the furthest a
    space may be booked) is cut there; a COUNT that does not fit before it is refused.
    """
    rule, problems = parse_rrule(text)
    if rule is None:
        return Expansion(problems=problems)
    if rule.count is not None and rule.count > max_occurrences:
        return Expansion(problems=[_too_many(max_occurrences)])
    first = start.astimezone(tz).replace(tzinfo=None)
    last_day = _last_day(rule, tz)
    horizon_day = horizon.astimezone(tz).date() if horizon is not None else date.max
    found = Expansion()
    try:
        for day in _days(rule, first.date(), min(last_day, horizon_day), found, budget):
            local = datetime.combine(day, first.time())
            if local < first or _after_until(rule, local, tz):
                continue
            if len(found.occurrences) == max_occurrences:
                return Expansion(problems=[_too_many(max_occurrences)])
            begins = _instant(local, tz)
            found.occurrences.append(Occurrence(begins, begins + (end - start), day))
            if len(found.occurrences) == rule.count:
                return found
    except _OverBudget:
        return Expansion(
            problems=[_problem(f"the rule looks through more than {budget} days of calendar: give a nearer end")],
            days=found.days,
        )
    farthest = f"{horizon_day.isoformat()}, the furthest ahead this space can be booked"
    if rule.count is not None:  # the horizon came first
        return Expansion(
            problems=[
                _problem(
                    f"only {len(found.occurrences)} of the {rule.count} dates fall before {farthest}: "
                    "book those now (a smaller COUNT) and the rest later",
                    "dates_beyond_horizon", found=len(found.occurrences), count=rule.count, day=horizon_day.isoformat(),
                )
            ],
            days=found.days,
        )
    if not found.occurrences:
        cut = f" before {farthest}" if horizon_day < last_day else ""
        return Expansion(problems=[_problem(f"the series has no date{cut}")], days=found.days)
    return found


class _OverBudget(Exception):
    pass


def _after_until(rule: Rule, local: datetime, tz: ZoneInfo) -> bool:
    if not isinstance(rule.until, datetime):
        return False  # none, or a DATE: _last_day stops the days
    if rule.until.tzinfo is None:  # a floating UNTIL: on the site's clock
        return local > rule.until
    return _instant(local, tz) > rule.until


def _instant(local: datetime, tz: ZoneInfo) -> datetime:
    # A wall-clock time inside a DST gap takes the offset from before the gap, which moves it
    # forward by the gap's length; one the autumn clock shows twice is its first pass (fold=0).
    # Both as RFC 5545 §3.3.5 says.
    return local.replace(tzinfo=tz).astimezone(UTC)


def _last_day(rule: Rule, tz: ZoneInfo) -> date:
    if isinstance(rule.until, datetime):
        return rule.until.astimezone(tz).date() if rule.until.tzinfo else rule.until.date()
    if isinstance(rule.until, date):
        return rule.until  # a DATE: that whole day
    return date.max


def _days(rule: Rule, first: date, last: date, cost: Expansion, budget: int) -> Iterator[date]:
    """The rule's dates from the period holding ``first`` up to ``last``; each period's days count to ``cost``."""
    for period in _periods(rule, first):
        if period[0] > last:
            return
        cost.days += len(period)
        if cost.days > budget:
            raise _OverBudget
        chosen = [day for day in period if _kept(rule, day, first)]
        if rule.setpos:
            chosen = sorted({chosen[p - 1 if p > 0 else p] for p in rule.setpos if -len(chosen) <= p <= len(chosen)})
        yield from (day for day in chosen if day <= last)


def _periods(rule: Rule, first: date) -> Iterator[list[date]]:
    """Each period of the rule, every INTERVAL-th, as the list of its days."""
    if rule.freq == "DAILY":
        day = first
        while True:
            yield [day]
            day += timedelta(days=rule.interval)
    elif rule.freq == "WEEKLY":
        monday = first - timedelta(days=(first.weekday() - rule.week_start) % 7)
        while True:
            yield [monday + timedelta(days=i) for i in range(7)]
            monday += timedelta(weeks=rule.interval)
    elif rule.freq == "MONTHLY":
        month = first.year * 12 + first.month - 1
        while month // 12 <= date.max.year:
            year, index = divmod(month, 12)
            yield [date(year, index + 1, d) for d in range(1, calendar.monthrange(year, index + 1)[1] + 1)]
            month += rule.interval
    else:
        for year in range(first.year, date.max.year + 1, rule.interval):
            start = date(year, 1, 1)
            yield [start + timedelta(days=i) for i in range(366 if calendar.isleap(year) else 365)]


def _kept(rule: Rule, day: date, first: date) -> bool:
    """Whether a day of a period is one of the rule's (RFC 5545 §3.3.10: BYMONTH, BYMONTHDAY, BYDAY)."""
    months, monthdays, weekdays = rule.months, rule.monthdays, rule.weekdays
    # what the rule leaves unsaid comes from the first date (RFC 5545: "derived from DTSTART")
    if rule.freq == "WEEKLY" and not weekdays:
        weekdays = ((None, first.weekday()),)
    elif rule.freq == "MONTHLY" and not (monthdays or weekdays):
        monthdays = (first.day,)
    elif rule.freq == "YEARLY" and not (monthdays or weekdays):
        months, monthdays = months or (first.month,), (first.day,)
    if months and day.month not in months:
        return False
    length = calendar.monthrange(day.year, day.month)[1]
    if monthdays and day.day not in monthdays and day.day - length - 1 not in monthdays:
        return False
    if weekdays:
        # an nth weekday counts within the month, or within the year for a yearly rule without BYMONTH
        in_year = rule.freq == "YEARLY" and not rule.months
        if in_year:
            index, total = day.timetuple().tm_yday, 366 if calendar.isleap(day.year) else 365
        else:
            index, total = day.day, length
        nth_from_start, nth_from_end = (index - 1) // 7 + 1, -((total - index) // 7 + 1)
        if not any(
            day.weekday() == weekday and nth in (None, nth_from_start, nth_from_end) for nth, weekday in weekdays
        ):
            return False
    return True


def _weekday(text: str, freq: str) -> tuple[int | None, int]:
    match = _BYDAY.match(text.upper())
    if not match:
        raise ValueError(f"BYDAY: {text!r} is not a weekday such as MO or 2TU")
    nth = int(match.group(1)) if match.group(1) else None
    if nth is not None:
        if freq not in ("MONTHLY", "YEARLY"):
            raise ValueError(f"BYDAY: {text} counts weekdays, which only MONTHLY and YEARLY rules do")
        _in_range(abs(nth), 1, 5 if freq == "MONTHLY" else 53, "BYDAY")
    return nth, WEEKDAYS.index(match.group(2))


def _numbers(parsed: vRecur, name: str, largest: int) -> tuple[int, ...]:
    values = tuple(int(str(value)) for value in parsed.get(name, ()))
    for value in values:
        _in_range(abs(value), 1, largest, name)
    return values


def _one(parsed: vRecur, name: str, default: int | None, low: int, high: int) -> int | None:
    return _in_range(int(str(parsed[name][0])), low, high, name) if name in parsed else default


def _in_range(value: int, low: int, high: int, name: str) -> int:
    if not low <= value <= high:
        raise ValueError(f"{name}: {value} is out of range ({low} to {high})")
    return value


def _too_many(max_occurrences: int) -> Problem:
    return _problem(f"the series has more than {max_occurrences} occurrences", "too_many_dates", count=max_occurrences)


def _problem(message: str, code: str = "invalid_rrule", **params: object) -> Problem:
    return Problem("rrule", message, code, params)
