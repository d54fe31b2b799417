"""How one space's sensors combine into its live state, and when a sensor is healthy (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.presence import SensorState, apply_reading, combine, sensor_health, space_health

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
AGO = NOW - timedelta(seconds=10)
LONG_AGO = NOW - timedelta(hours=1)


def counter(count, *, seen=AGO, status="online", slug="pc-1"):
    return SensorState(slug, "counter", 60, status, seen, seen, count, None if count is None else count > 0)


def presence(present, *, seen=AGO, status="online", slug="pir-1"):
    return SensorState(slug, "presence", 60, status, seen, seen, None, present)


@pytest.mark.parametrize(
    ("sensors", "count", "present", "state"),
    [
        ([counter(4)], 4, True, "occupied"),  # a counter alone
        ([counter(0)], 0, False, "free"),  # an empty room
        ([presence(True)], None, True, "occupied"),  # presence only: no made-up count
        ([presence(False)], None, False, "free"),  # presence only, nobody
        ([counter(0), presence(True)], 0, True, "occupied"),  # presence adds someone the counter missed
        ([counter(3), presence(False)], 3, True, "occupied"),  # a PIR misses people sitting still
        ([counter(3, slug="a"), counter(5, slug="b")], 5, True, "occupied"),  # overlapping counters: the highest
        ([counter(8, seen=LONG_AGO), presence(False)], None, False, "free"),  # a stale counter is ignored
        ([counter(2, status="offline"), presence(True)], None, True, "occupied"),  # so is an offline one
        ([], None, None, "unknown"),  # no sensor
    ],
)
def test_counter_and_presence_combine_per_the_documented_rule(sensors, count, present, state):
    combined = combine(sensors, NOW)
    assert (combined.count, combined.present, combined.state) == (count, present, state)


def test_when_every_sensor_is_stale_the_last_values_show_as_not_fresh():
    combined = combine([counter(6, seen=LONG_AGO)], NOW)
    assert (combined.count, combined.fresh) == (6, False)


def test_an_older_headcount_never_replaces_a_newer_one():
    sensor = counter(9)
    assert apply_reading(sensor, AGO - timedelta(seconds=5), count=2) == sensor


def test_line_crossings_count_whatever_their_order():
    sensor = counter(5)
    late = apply_reading(sensor, AGO - timedelta(minutes=5), entered=2, exited=1)
    assert (late.count, late.observed_at) == (6, AGO)


def test_crossings_never_make_a_negative_headcount():
    assert apply_reading(counter(1), NOW, exited=3).count == 0


@pytest.mark.parametrize(
    ("sensor", "health"),
    [
        (counter(1), "healthy"),  # reported 10 s ago, every 60 s
        (counter(1, seen=NOW - timedelta(seconds=179)), "healthy"),  # just inside three intervals
        (counter(1, seen=NOW - timedelta(seconds=181)), "stale"),  # three intervals missed
        (counter(1, status="offline"), "offline"),  # its Last Will
        (counter(None, seen=None, status="unknown"), "stale"),  # registered, never heard from
    ],
)
def test_sensor_health(sensor, health):
    assert sensor_health(sensor, NOW) == health


@pytest.mark.parametrize(
    ("sensors", "health"),
    [
        ([], "missing"),  # no sensor in the space
        ([counter(1, status="offline"), presence(True)], "healthy"),  # one healthy sensor is enough
        ([counter(1, status="offline"), presence(True, status="offline")], "offline"),  # all offline
        ([counter(1, status="offline"), presence(True, seen=LONG_AGO)], "stale"),  # none offline-only
    ],
)
def test_space_sensor_health(sensors, health):
    assert space_health(sensors, NOW) == health
