"""Pure occupancy rules: sensor health, and how a space's sensors combine into one live state.

The combining rule (one space, any number of people counters and presence sensors):

- A sensor is *fresh* when it is not reported offline and it reported within
  ``STALE_AFTER_INTERVALS`` of its expected interval. Only fresh sensors count; when none is
  fresh, the last known values are still shown, marked ``fresh: false``.
- ``count`` is the highest headcount among the fresh counters. Several counters in one room see
  the same people (overlapping fields of view), so adding them would count people twice, and the
  highest figure is the safe one for the safety limit. A space with presence sensors only has no
  count (``None``), never a guessed one.
- ``present`` is true when the count is above zero OR any fresh presence sensor sees someone. A
  presence sensor can only add presence: PIR sensors miss people who sit still (so their "no one"
  never cancels a counter's headcount), while a counter misses someone who came in through a door
  it does not watch.
- ``state`` is ``occupied`` / ``free`` / ``unknown`` (no sensor has ever reported).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

COUNTER = "counter"
PRESENCE = "presence"
KINDS = (COUNTER, PRESENCE)
FORMATS = ("native", "zigbee2mqtt", "milesight", "senml", "homeassistant")

ONLINE, OFFLINE, UNKNOWN = "online", "offline", "unknown"
# Health of a sensor or of a space's sensors, as the staff pages and the no-show job see it.
HEALTHY, STALE, MISSING = "healthy", "stale", "missing"
STALE_AFTER_INTERVALS = 3


@dataclass(frozen=True)
class SensorState:
    """What the service knows about one sensor: its latest values and when it was last heard."""

    sensor_id: str
    kind: str
    interval_seconds: int
    status: str = UNKNOWN
    last_seen_at: datetime | None = None
    observed_at: datetime | None = None  # of the newest occupancy reading applied
    count: int | None = None
    present: bool | None = None


@dataclass(frozen=True)
class SpaceState:
    """A space's live occupancy, combined from its sensors."""

    count: int | None
    present: bool | None
    observed_at: datetime | None
    fresh: bool
    sources: tuple[str, ...]

    @property
    def state(self) -> str:
        if self.present is None:
            return UNKNOWN
        return "occupied" if self.present else "free"


def is_fresh(sensor: SensorState, now: datetime) -> bool:
    """Not offline, and heard from within a few of its reporting intervals."""
    if sensor.status == OFFLINE or sensor.last_seen_at is None:
        return False
    return now - sensor.last_seen_at <= timedelta(seconds=STALE_AFTER_INTERVALS * sensor.interval_seconds)


def sensor_health(sensor: SensorState, now: datetime) -> str:
    """``healthy`` / ``stale`` (missed several intervals, or never reported) / ``offline`` (its Last Will)."""
    if sensor.status == OFFLINE:
        return OFFLINE
    return HEALTHY if is_fresh(sensor, now) else STALE


def space_health(sensors: Iterable[SensorState], now: datetime) -> str:
    """``healthy`` if any sensor is, else ``offline`` if all are offline, else ``stale``; ``missing`` if none."""
    health = [sensor_health(sensor, now) for sensor in sensors]
    if not health:
        return MISSING
    if HEALTHY in health:
        return HEALTHY
    return OFFLINE if all(h == OFFLINE for h in health) else STALE


def combine(sensors: Iterable[SensorState], now: datetime) -> SpaceState:
    """The space's state under the rule in this module's docstring."""
    reported = [s for s in sensors if s.observed_at is not None and (s.count is not None or s.present is not None)]
    fresh = [s for s in reported if is_fresh(s, now)]
    used = fresh or reported
    counts = [s.count for s in used if s.kind == COUNTER and s.count is not None]
    count = max(counts) if counts else None
    flags = [s.present for s in used if s.kind == PRESENCE and s.present is not None]
    present = None if count is None and not flags else bool(count) or any(flags)
    return SpaceState(
        count=count,
        present=present,
        observed_at=max((s.observed_at for s in used), default=None),
        fresh=bool(fresh),
        sources=tuple(sorted(s.sensor_id for s in used)),
    )


def headcount(count: int | None, present: bool | None) -> tuple[int | None, bool | None]:
    """A headcount reading's values: presence follows the count when the sensor did not say."""
    if present is None and count is not None:
        present = count > 0
    return count, present


def is_newer(observed_at: datetime, than: datetime | None) -> bool:
    """Whether a reading observed at ``observed_at`` is newer than a state last set at ``than``.

    The one rule for "an older reading never overwrites newer state": the ingest store's UPDATE
    is this comparison in SQL (booking/store/readings.py), held to it by a contract test.
    """
    return than is None or observed_at > than


def apply_reading(
    sensor: SensorState,
    observed_at: datetime,
    *,
    count: int | None = None,
    present: bool | None = None,
    entered: int | None = None,
    exited: int | None = None,
) -> SensorState:
    """The sensor's latest values after one new (not duplicate) reading.

    Absolute values (a headcount, a presence flag) only move forward in time: a reading older than
    the one already applied is history, never the current state. Line crossings are deltas: each
    one counts once whatever its arrival order, so a late one still corrects the headcount.
    """
    newer = is_newer(observed_at, sensor.observed_at)
    values: dict[str, object] = {}
    if count is not None or present is not None:
        if not newer:
            return sensor
        count, present = headcount(count, present)
        if count is not None:
            values["count"] = count
        values["present"] = present
    elif entered is not None or exited is not None:
        people = max((sensor.count or 0) + (entered or 0) - (exited or 0), 0)
        values.update(count=people, present=people > 0)
    if newer:
        values["observed_at"] = observed_at
    return replace(sensor, **values)


LOW_BATTERY_PERCENT = 20  # below this, staff should plan a battery change before the sensor goes silent


def battery_low(level: int | None) -> bool:
    """Whether a sensor's last reported battery level asks for a change soon."""
    return level is not None and level < LOW_BATTERY_PERCENT
