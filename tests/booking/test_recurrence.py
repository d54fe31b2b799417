"""Recurring bookings: what an RRULE expands to, what it may cost, and what is refused. Pure."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from clock import last_sunday
from dateutil.rrule import rrulestr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from booking import recurrence

PARIS = ZoneInfo("Europe/Paris")
MONDAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HORIZON = NOW + timedelta(days=365)  # a space booked up to a year ahead


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=PARIS)


def expand(text: str, start: datetime, minutes: int = 60, **options):
    options = {"max_occurrences": 100} | options
    return recurrence.expand_rrule(text, start, start + timedelta(minutes=minutes), PARIS, **options)


# --- local time and length across DST ------------------------------------------------------------


def test_weekly_series_keeps_its_local_time_across_dst():
    sunday = last_sunday(2027, 3)
    expansion = expand("FREQ=WEEKLY;COUNT=3", at(sunday - timedelta(days=6), 9), 120)  # from the Monday before
    assert expansion.problems == []
    local = [o.start.astimezone(PARIS) for o in expansion.occurrences]
    assert [(d.hour, d.minute) for d in local] == [(9, 0)] * 3
    assert [d.utcoffset() for d in local] == [timedelta(hours=1), timedelta(hours=2), timedelta(hours=2)]


@pytest.mark.parametrize("month", [3, 10])
def test_every_occurrence_lasts_exactly_as_long_as_the_first_across_a_dst_change(month):
    sunday = last_sunday(2027, month)
    # 02:30-03:30 each night: on the change day the clock skips (March) or repeats (October) that hour
    expansion = expand("FREQ=DAILY;COUNT=3", at(sunday - timedelta(days=1), 2, 30))
    assert expansion.problems == []
    assert [o.end - o.start for o in expansion.occurrences] == [timedelta(hours=1)] * 3
    assert [o.local_date for o in expansion.occurrences] == [sunday - timedelta(days=1), sunday, sunday + timedelta(1)]


def test_an_occurrence_inside_the_dst_gap_moves_forward_by_the_gap():
    sunday = last_sunday(2027, 3)
    expansion = expand("FREQ=WEEKLY;COUNT=2", at(sunday - timedelta(days=7), 2, 30))  # 02:30 skipped that day
    second = expansion.occurrences[1]
    assert (second.start.astimezone(PARIS).hour, second.start.astimezone(PARIS).minute) == (3, 30)
    assert second.local_date == sunday


def test_a_time_the_autumn_clock_shows_twice_is_its_first_pass():
    sunday = last_sunday(2027, 10)
    second = expand("FREQ=WEEKLY;COUNT=2", at(sunday - timedelta(days=7), 2, 30)).occurrences[1]
    assert second.start == datetime(sunday.year, 10, sunday.day, 0, 30, tzinfo=UTC)  # 02:30 summer time


# --- what the rule says ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("RRULE:FREQ=DAILY;UNTIL=20261209T235959Z", ["2026-12-07", "2026-12-08", "2026-12-09"]),  # UNTIL in UTC
        ("FREQ=DAILY;UNTIL=20261209", ["2026-12-07", "2026-12-08", "2026-12-09"]),  # a DATE: that whole day
        ("FREQ=WEEKLY;COUNT=4;BYDAY=MO,TH", ["2026-12-07", "2026-12-10", "2026-12-14", "2026-12-17"]),
        ("FREQ=WEEKLY;INTERVAL=2;COUNT=3", ["2026-12-07", "2026-12-21", "2027-01-04"]),
        ("FREQ=MONTHLY;COUNT=3;BYDAY=1MO", ["2026-12-07", "2027-01-04", "2027-02-01"]),  # first Monday
        ("FREQ=MONTHLY;COUNT=2;BYDAY=-1FR", ["2026-12-25", "2027-01-29"]),  # last Friday
        ("FREQ=MONTHLY;COUNT=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", ["2026-12-31", "2027-01-29", "2027-02-26"]),
        ("FREQ=MONTHLY;COUNT=3", ["2026-12-07", "2027-01-07", "2027-02-07"]),  # the first date's day
        ("FREQ=YEARLY;COUNT=2", ["2026-12-07", "2027-12-07"]),
    ],
)
def test_a_rule_gives_the_dates_rfc5545_says(text, dates):
    expansion = expand(text, at(MONDAY, 9))
    assert expansion.problems == []
    assert [o.local_date.isoformat() for o in expansion.occurrences] == dates


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("FREQ=WEEKLY", "never ends"),  # unbounded
        ("FREQ=DAILY;COUNT=500", "more than 100"),  # too many
        ("FREQ=DAILY;UNTIL=20280101", "more than 100"),  # too many, found by counting
        ("FREQ=SOMETIMES;COUNT=2", "not a valid RRULE"),  # nonsense
        ("", "single RRULE"),  # empty
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY;COUNT=2", "single RRULE"),  # smuggled DTSTART
        ("COUNT=2", "FREQ is missing"),
        ("FREQ=HOURLY;COUNT=2", "FREQ=HOURLY repeats within a day"),  # finer than daily
        ("FREQ=MINUTELY;COUNT=2", "FREQ=MINUTELY repeats within a day"),
        ("FREQ=SECONDLY;COUNT=2", "FREQ=SECONDLY repeats within a day"),
        ("FREQ=DAILY;COUNT=2;BYHOUR=9,14", "BYHOUR not supported"),  # several times a day
        ("FREQ=YEARLY;COUNT=2;BYWEEKNO=20", "BYWEEKNO not supported"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20270101", "not both"),
        ("FREQ=DAILY;COUNT=2;COUNT=3", "once"),
        ("FREQ=MONTHLY;COUNT=2;BYMONTHDAY=32", "BYMONTHDAY: 32 is out of range"),
        ("FREQ=DAILY;COUNT=2;BYMONTH=13", "BYMONTH: 13 is out of range"),
        ("FREQ=WEEKLY;COUNT=2;BYDAY=2MO", "only MONTHLY and YEARLY"),
        ("FREQ=DAILY;COUNT=2;INTERVAL=0", "INTERVAL: 0 is out of range"),
        ("FREQ=DAILY;COUNT=3;BYMONTH=2;BYMONTHDAY=30", "3 dates fall before"),  # a date that never comes
    ],
)
def test_invalid_unbounded_or_finer_than_daily_rules_are_refused_naming_the_rrule(text, words):
    expansion = expand(text, at(MONDAY, 9), horizon=HORIZON)
    assert expansion.occurrences == []
    assert [p.field for p in expansion.problems] == ["rrule"]
    assert words in expansion.problems[0].message


def test_an_until_beyond_the_booking_horizon_is_cut_there():
    expansion = expand("FREQ=WEEKLY;UNTIL=20301231T000000Z", at(MONDAY, 9), horizon=HORIZON)
    assert expansion.problems == []
    assert expansion.occurrences[-1].start <= HORIZON < expansion.occurrences[-1].start + timedelta(weeks=1)


def test_a_count_that_does_not_fit_before_the_horizon_is_refused_with_how_many_do():
    expansion = expand("FREQ=WEEKLY;COUNT=60", at(MONDAY, 9), horizon=HORIZON)
    assert "only 52 of the 60 dates fall before 2027-12-01" in expansion.problems[0].message


# --- what a hostile rule may cost -----------------------------------------------------------------


@pytest.fixture
def days_looked_at(monkeypatch):
    """Counts the calendar days the expansion really examines (each call of its day filter)."""
    counted = {"days": 0}
    kept = recurrence._kept

    def counting(*args):
        counted["days"] += 1
        return kept(*args)

    monkeypatch.setattr(recurrence, "_kept", counting)
    return counted


@pytest.mark.parametrize(
    ("text", "most"),
    [
        ("FREQ=HOURLY;UNTIL=20271231T000000;BYMONTH=2;BYMONTHDAY=30", 0),  # refused before any day is looked at
        ("FREQ=DAILY;UNTIL=20991231T000000;BYMONTH=2;BYMONTHDAY=30", 366),  # never comes: up to the horizon
        ("FREQ=DAILY;COUNT=5;BYMONTH=2;BYMONTHDAY=30", 366),
        ("FREQ=WEEKLY;UNTIL=20991231T000000;BYMONTH=4;BYMONTHDAY=31;BYDAY=MO", 0),  # refused: no MONTHDAY weekly
        ("FREQ=WEEKLY;UNTIL=20991231T000000;BYMONTH=2;BYDAY=MO;BYSETPOS=9", 366 + 7),  # no 9th Monday in a week
        ("FREQ=MONTHLY;UNTIL=99991231T000000;BYMONTHDAY=31;BYMONTH=4,6,9,11", 366 + 31),
        ("FREQ=YEARLY;COUNT=3;BYMONTH=2;BYMONTHDAY=30", 2 * 366),
        ("FREQ=DAILY;INTERVAL=7;COUNT=2;BYDAY=TU", 366),  # every 7 days from a Monday never lands on a Tuesday
    ],
)
def test_a_hostile_rule_costs_no_more_than_the_days_up_to_the_horizon(days_looked_at, text, most):
    expansion = expand(text, at(MONDAY, 9), horizon=HORIZON)
    assert expansion.occurrences == [] and expansion.problems
    assert days_looked_at["days"] <= most


def test_without_a_horizon_the_budget_stops_a_rule_whose_dates_never_come(days_looked_at):
    expansion = expand("FREQ=DAILY;COUNT=2;BYMONTH=2;BYMONTHDAY=30", at(MONDAY, 9), budget=1000)
    assert "more than 1000 days" in expansion.problems[0].message
    assert days_looked_at["days"] <= 1000


# --- the same dates as dateutil, wherever dateutil ends -----------------------------------------

WEEKDAY_NAMES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@st.composite
def rules(draw) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}", f"COUNT={draw(st.integers(1, 12))}", f"INTERVAL={draw(st.integers(1, 3))}"]
    if draw(st.booleans()):
        nth = freq in ("MONTHLY", "YEARLY") and draw(st.booleans())
        days = draw(st.lists(st.sampled_from(WEEKDAY_NAMES), min_size=1, max_size=3, unique=True))
        parts.append("BYDAY=" + ",".join(f"{draw(st.sampled_from([1, 2, -1]))}{d}" if nth else d for d in days))
    if freq != "WEEKLY" and draw(st.booleans()):
        days = draw(st.lists(st.sampled_from([1, 13, 15, 28, 30, -1]), min_size=1, max_size=2, unique=True))
        parts.append("BYMONTHDAY=" + ",".join(map(str, days)))
    if draw(st.booleans()):
        parts.append("BYMONTH=" + ",".join(map(str, draw(st.lists(st.integers(1, 12), min_size=1, max_size=3)))))
    if freq != "DAILY" and draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.sampled_from([1, 2, -1]))}")
    if freq == "WEEKLY" and draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(WEEKDAY_NAMES))}")
    return ";".join(parts)


@settings(max_examples=300, deadline=None)
@given(text=rules(), first=st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_a_rule_gives_the_same_dates_as_dateutil(text, first):
    if "WEEKLY" in text and "BYSETPOS" in text:
        # dateutil's first week starts at DTSTART, so BYSETPOS counts a partial week; RFC 5545 counts
        # the whole week ("one interval"), dates before DTSTART then dropped. Compare whole weeks only.
        week_start = text.split("WKST=")[1][:2] if "WKST=" in text else "MO"
        assume(first.weekday() == WEEKDAY_NAMES.index(week_start))
    start = datetime.combine(first, datetime.min.time().replace(hour=12), UTC)
    ours = recurrence.expand_rrule(text, start, start + timedelta(hours=1), ZoneInfo("UTC"), max_occurrences=20)
    assume(not ours.problems)  # a rule whose dates are too rare for the budget: dateutil would not end either
    theirs = list(itertools.islice(rrulestr(text, dtstart=start.replace(tzinfo=None)), len(ours.occurrences) + 1))
    assert [o.start.replace(tzinfo=None) for o in ours.occurrences] == theirs[: len(ours.occurrences)]
    count = int(text.split("COUNT=")[1].split(";")[0])
    assert len(theirs) == len(ours.occurrences) == count
