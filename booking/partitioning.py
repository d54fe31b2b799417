"""Which time ranges the raw readings' PostgreSQL partitions cover: pure date arithmetic.

A partition per UTC day, so dropping a day of readings past ONEXP_READINGS_KEEP_DAYS is dropping
its table, never deleting its rows one by one (the horizon the retention job keeps is a UTC
midnight too). A month per partition for history older than that when an existing table is
converted: a few dozen tables, not a thousand, in the migration's one transaction. Readings
outside every range land in the default partition, which the retention job empties by batched
deletes like SQLite's table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

AHEAD_DAYS = 7  # partitions exist this many days ahead, so a week without the scheduler loses nothing
# converted history older than this goes into monthly partitions: few tables for what retention will
# soon drop (every test database is one: each table more is TRUNCATE time for every test)
MONTHLY_BEFORE = timedelta(days=2)

Range = tuple[datetime, datetime]


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def conversion_plan(oldest: datetime | None, now: datetime) -> list[Range]:
    """The ranges a converted table starts with: months of old history (the last one cut short where
    the days begin), then a day each until a week ahead."""
    today = now.astimezone(UTC).date()
    split = today - MONTHLY_BEFORE
    ranges: list[Range] = []
    if oldest is not None:
        month = oldest.astimezone(UTC).date().replace(day=1)
        while month < split:
            ranges.append((midnight(month), midnight(min(_next_month(month), split))))
            month = _next_month(month)
    day = split
    while day < today + timedelta(days=AHEAD_DAYS):
        ranges.append((midnight(day), midnight(day + timedelta(days=1))))
        day += timedelta(days=1)
    return ranges


def missing_days(existing: list[Range], now: datetime) -> list[Range]:
    """The days from today to AHEAD_DAYS ahead that no existing range covers."""
    today = now.astimezone(UTC).date()
    wanted = [(midnight(today + timedelta(days=i)), midnight(today + timedelta(days=i + 1))) for i in range(AHEAD_DAYS)]
    return [(a, b) for a, b in wanted if not any(lo < b and a < hi for lo, hi in existing)]


def droppable(existing: list[Range], cutoff: datetime) -> list[Range]:
    """The ranges wholly before ``cutoff``: their readings have all aged out."""
    return [(lo, hi) for lo, hi in existing if hi <= cutoff]


def name_of(lo: datetime, hi: datetime) -> str:
    """``occupancy_readings_20261202`` for a day, ``occupancy_readings_202610`` for a month."""
    if hi - lo == timedelta(days=1):
        return f"occupancy_readings_{lo:%Y%m%d}"
    return f"occupancy_readings_{lo:%Y%m}_{hi:%Y%m%d}"
