"""Numbers for the utilization charts: totals per name and a weekday x hour grid (presentation only)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    name: str  # the report's key: "site/space" or the company's slug
    label: str  # what a reader calls it: "Salle Calanques · La Coque", "Acme"
    booked: int  # minutes
    used: int  # booked minutes during which the sensors saw people
    occupied: int
    no_shows: int

    @property
    def used_share(self) -> int | None:
        """Percent of the booked time actually used; None when nothing was booked."""
        return round(100 * self.used / self.booked) if self.booked else None


def totals(rows: list[dict], group: str, names: Mapping[str, str] | None = None) -> list[Bar]:
    """The report's daily rows summed per space (or company), most booked first, each with its name."""
    names = names or {}
    sums: dict[str, Counter] = {}
    for row in rows:
        sums.setdefault(row[group], Counter()).update(
            booked=row["booked_minutes"], used=row["booked_used_minutes"], occupied=row["occupied_minutes"],
            no_shows=row["no_shows"],
        )  # fmt: skip
    bars = [
        Bar(key, names.get(key, key), c["booked"], c["used"], c["occupied"], c["no_shows"]) for key, c in sums.items()
    ]
    return sorted(bars, key=lambda bar: (-bar.booked, bar.name))


@dataclass(frozen=True)
class HeatMap:
    hours: list[int]
    cells: list[list[int]]  # [weekday][hour index] minutes
    peak: int

    def level(self, minutes: int) -> int:
        """0..4, for the cell's shade (the number is printed in it too)."""
        return 0 if not minutes or not self.peak else 1 + min(3, (4 * minutes - 1) // self.peak)


def heat_map(minutes: Counter[tuple[int, int]], first_hour: int = 7, last_hour: int = 22) -> HeatMap:
    """Weekday x hour minutes; the hours widened to cover every booked one."""
    booked_hours = [hour for (_day, hour), value in minutes.items() if value]
    lo = min([first_hour, *booked_hours])
    hi = max([last_hour, *booked_hours])
    hours = list(range(lo, hi + 1))
    cells = [[minutes.get((day, hour), 0) for hour in hours] for day in range(7)]
    return HeatMap(hours, cells, max((v for row in cells for v in row), default=0))
