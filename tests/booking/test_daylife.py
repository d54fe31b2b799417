"""The day's decisions as pure rules: check-in windows, no-show release and its fail-safes, alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking import daylife
from booking.daylife import Slot

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
END = START + timedelta(hours=2)


def minutes(n: int) -> datetime:
    return START + timedelta(minutes=n)


def release(**overrides) -> daylife.Decision:
    values = dict(
        status="confirmed", checked_in=False, start=START, end=END, grace_minutes=15, profile="standard",
        manual_checkin=False, sensor_health="healthy", presence_seen=False, now=minutes(16),
    )  # fmt: skip
    values.update(overrides)
    return daylife.release_no_show(**values)


@pytest.mark.parametrize(
    ("overrides", "released", "words"),
    [
        ({}, True, "no presence seen by healthy sensors within 15 minutes"),  # the plain no-show
        ({"now": minutes(14)}, False, "grace period runs until"),  # still within the grace period
        ({"now": minutes(15)}, True, "within 15 minutes"),  # grace over, to the minute
        ({"grace_minutes": 30, "now": minutes(20)}, False, "grace period"),  # the space's own grace
        ({"checked_in": True}, False, "checked in"),  # someone checked in by hand
        ({"presence_seen": True}, False, "sensors saw people"),  # sensors saw people
        ({"sensor_health": "offline"}, False, "offline"),  # fail-safe: sensor offline
        ({"sensor_health": "stale"}, False, "stale"),  # fail-safe: sensor silent too long
        ({"sensor_health": "missing"}, False, "missing"),  # fail-safe: no sensor at all
        ({"profile": "studio"}, False, "studio"),  # fail-safe: people sit still while recording
        ({"profile": "studio", "manual_checkin": True}, False, "studio"),  # studio wins over manual
        ({"manual_checkin": True, "sensor_health": "offline"}, True, "manual check-in"),  # sensors irrelevant
        ({"manual_checkin": True, "sensor_health": "missing"}, True, "manual check-in"),  # no sensors needed
        ({"manual_checkin": True, "presence_seen": True}, True, "manual check-in"),  # only a check-in counts
        ({"status": "pending"}, False, "pending"),  # never approved: nothing to release
        ({"status": "cancelled"}, False, "cancelled"),  # already gone
        ({"now": END}, False, "over"),  # the booking is over: nothing to free
    ],
)
def test_release_rules(overrides, released, words):
    decision = release(**overrides)
    assert decision.act is released
    assert words in decision.reason


@pytest.mark.parametrize(
    ("now", "status", "allowed"),
    [
        (minutes(-16), "confirmed", False),  # before the window opens
        (minutes(-15), "confirmed", True),  # the window opens 15 minutes early
        (minutes(60), "confirmed", True),  # during the booking
        (END, "confirmed", False),  # after the end
        (minutes(0), "pending", False),  # not confirmed
    ],
)
def test_manual_check_in_window(now, status, allowed):
    assert daylife.can_check_in(status=status, start=START, end=END, now=now).act is allowed


@pytest.mark.parametrize(
    ("overrides", "checks_in"),
    [
        ({}, True),  # presence in the window
        ({"presence_seen": False}, False),  # nobody seen yet
        ({"manual_checkin": True}, False),  # this space is checked in by hand only
        ({"checked_in": True}, False),  # done already
        ({"now": minutes(-20)}, False),  # presence before the window is the previous booking's
        ({"status": "released"}, False),  # too late
    ],
)
def test_check_in_by_presence(overrides, checks_in):
    values = dict(
        status="confirmed", checked_in=False, manual_checkin=False, start=START, end=END,
        presence_seen=True, now=minutes(5),
    )  # fmt: skip
    values.update(overrides)
    assert daylife.auto_check_in(**values).act is checks_in


def alerts(**overrides) -> list[tuple[str, int | None]]:
    values = dict(
        now=minutes(30), sensor_health="healthy", count=0, present=False, safety_limit=None, max_capacity=20,
        current=None, previous=None, following=None,
    )  # fmt: skip
    values.update(overrides)
    return [(call.kind, call.booking_id) for call in daylife.occupancy_alerts(**values)]


BOOKED = Slot(1, START, END, capacity=10)
EARLIER = Slot(1, START - timedelta(hours=2), START - timedelta(minutes=10))
NEXT = Slot(2, START + timedelta(minutes=5), END)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, []),  # empty and free: nothing to say
        ({"current": BOOKED, "count": 8, "present": True}, []),  # a booking in use
        ({"current": BOOKED, "count": 11, "present": True}, [("over_capacity", 1)]),  # above the layout
        ({"current": BOOKED, "count": 9, "safety_limit": 8}, [("over_capacity", 1)]),  # above the safety limit
        ({"count": 25}, [("over_capacity", None), ("in_use_without_booking", None)]),  # unbooked crowd
        ({"count": 3}, [("in_use_without_booking", None)]),  # people and no booking
        ({"present": True, "count": None}, [("in_use_without_booking", None)]),  # presence-only sensor
        ({"count": 3, "previous": EARLIER, "following": NEXT}, [("overrun", 1)]),  # runs into the next
        ({"count": 3, "previous": EARLIER, "following": Slot(2, END, END + timedelta(hours=1))},
         [("in_use_without_booking", None)]),  # next one far off: just unbooked use
        ({"sensor_health": "offline", "count": 50}, [("sensor_offline", None)]),  # offline: counts not trusted
        ({"sensor_health": "stale"}, [("sensor_offline", None)]),  # silent too long
        ({"sensor_health": "missing", "count": 50}, []),  # no sensor: nothing to alert on
    ],
)  # fmt: skip
def test_occupancy_alerts(overrides, expected):
    assert alerts(**overrides) == expected
