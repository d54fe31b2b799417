"""The pure rules: overlap, buffers, opening hours, limits, pricing, lifecycle (recurrence: test_recurrence)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from clock import last_sunday

from booking import rules
from booking.rules import SpacePolicy

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS_8_20 = {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
MONDAY = date(2026, 12, 7)


def policy(**overrides) -> SpacePolicy:
    values = dict(
        timezone="Europe/Paris", opening_hours=WEEKDAYS_8_20, capacities={"boardroom": 10, "theatre": 20},
        min_minutes=30, max_minutes=600, max_days_ahead=365,
        rate_hour=Decimal("50"), rate_half_day=Decimal("150"), rate_day=Decimal("250"),
    )  # fmt: skip
    values.update(overrides)
    return SpacePolicy(**values)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((9, 10), (10, 11), False),  # back to back: one ends as the other begins
        ((9, 11), (10, 12), True),  # partial overlap
        ((9, 12), (10, 11), True),  # containment
        ((10, 11), (9, 10), False),  # back to back, other order
    ],
)
def test_overlap_is_half_open(a, b, expected):
    assert rules.overlaps(at(MONDAY, a[0]), at(MONDAY, a[1]), at(MONDAY, b[0]), at(MONDAY, b[1])) is expected


def test_buffers_widen_the_blocked_interval():
    start, end = rules.blocked_interval(policy(setup_minutes=30, teardown_minutes=15), at(MONDAY, 10), at(MONDAY, 12))
    assert (start, end) == (at(MONDAY, 9, 30), at(MONDAY, 12, 15))


def _fields(problems):
    return {p.field for p in problems}


@pytest.mark.parametrize(
    ("start", "end", "attendees", "layout", "field", "words"),
    [
        (at(MONDAY, 12), at(MONDAY, 10), 5, None, "end", "after start"),  # end before start
        (at(MONDAY, 10), at(MONDAY, 10), 5, None, "end", "after start"),  # zero duration
        (at(MONDAY, 10), at(MONDAY, 10, 15), 5, None, "end", "shorter than 30"),  # too short
        (at(MONDAY, 8), at(MONDAY, 19, 30), 5, None, "end", "longer than 600"),  # too long
        (at(MONDAY, 7), at(MONDAY, 9), 5, None, "start", "outside opening hours"),  # opens at 8
        (at(MONDAY, 19), at(MONDAY, 21), 5, None, "start", "outside opening hours"),  # closes at 20
        (
            at(MONDAY + timedelta(days=5), 10),
            at(MONDAY + timedelta(days=5), 12),
            5,
            None,
            "start",
            "outside",
        ),  # Saturday
        (at(date(2026, 11, 20), 10), at(date(2026, 11, 20), 12), 5, None, "start", "in the past"),
        (at(date(2028, 1, 10), 10), at(date(2028, 1, 10), 12), 5, None, "start", "days ahead"),
        (at(MONDAY, 10), at(MONDAY, 12), 11, "boardroom", "attendees", "capacity of 10"),  # layout capacity
        (at(MONDAY, 10), at(MONDAY, 12), 21, None, "attendees", "capacity of 20"),  # largest layout
        (at(MONDAY, 10), at(MONDAY, 12), 0, None, "attendees", "at least 1"),
        (at(MONDAY, 10), at(MONDAY, 12), 5, "cabaret", "layout", "unknown layout"),
    ],
)
def test_check_booking_names_the_field_and_why(start, end, attendees, layout, field, words):
    problems = rules.check_booking(policy(), start, end, attendees, now=NOW, layout=layout)
    assert field in _fields(problems)
    assert any(words in p.message for p in problems)


def test_a_booking_inside_hours_and_limits_has_no_problem():
    assert rules.check_booking(policy(), at(MONDAY, 10), at(MONDAY, 12), 20, now=NOW, layout="theatre") == []


def test_a_closed_day_refuses_bookings():
    problems = rules.check_booking(policy(closed_days=frozenset({MONDAY})), at(MONDAY, 10), at(MONDAY, 12), 5, now=NOW)
    assert [p.field for p in problems] == ["start"]
    assert "closed on" in problems[0].message


ROUND_THE_CLOCK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.mark.parametrize(
    ("hours", "closed_days", "fits"),
    [
        (ROUND_THE_CLOCK, frozenset(), True),  # open round the clock: 23:30 to 00:30 is one stretch
        (ROUND_THE_CLOCK, frozenset({MONDAY + timedelta(days=1)}), False),  # closed the day after
        ({"mon": [["08:00", "24:00"]], "tue": [["08:00", "20:00"]]}, frozenset(), False),  # not open at 00:00
    ],
)
def test_a_booking_across_midnight_fits_only_where_the_opening_goes_on(hours, closed_days, fits):
    space = policy(opening_hours=hours, closed_days=closed_days)
    start, end = at(MONDAY, 23, 30), at(MONDAY + timedelta(days=1), 0, 30)
    assert rules.within_opening_hours(space, start, end) is fits


def test_opening_hours_on_a_dst_day_are_local_wall_clock():
    sunday = last_sunday(2027, 3)
    open_sunday = policy(opening_hours={"sun": [["08:00", "20:00"]]})
    assert rules.check_booking(open_sunday, at(sunday, 9), at(sunday, 10), 1, now=NOW) == []
    assert at(sunday, 9).utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("hours", "expected", "label"),
    [
        (1, "50", "1 h"),  # one hour at the hourly rate
        (3, "150", "3 h"),  # 3 h cost 150 either way; among equals, plain hours
        (4, "150", "1 half-day"),  # 4 h: a half-day is cheaper than 200
        (5, "200", "1 half-day + 1 h"),  # half-day plus an hour
        (6, "250", "1 day"),  # ties with 1 half-day + 2 h (250); the day rate is listed first
        (8, "250", "1 day"),
        (10, "250", "1 day"),  # a day covers the whole local day
    ],
)
def test_quote_takes_the_cheapest_rate_combination(hours, expected, label):
    quote = rules.quote(policy(), at(MONDAY, 8), at(MONDAY, 8) + timedelta(hours=hours))
    assert quote.excl_vat == Decimal(expected)
    assert quote.lines == (f"{MONDAY.isoformat()}: {label}",)


def test_quote_adds_twenty_percent_vat():
    quote = rules.quote(policy(), at(MONDAY, 10), at(MONDAY, 11, 30))  # 1.5 h billed as 2 h
    assert (quote.excl_vat, quote.vat, quote.incl_vat) == (Decimal("100.00"), Decimal("20.00"), Decimal("120.00"))
    assert quote.currency == "EUR"


def test_quote_of_a_two_day_booking_prices_each_local_day():
    quote = rules.quote(policy(), at(MONDAY, 18), at(MONDAY + timedelta(days=1), 10))
    # 18:00-24:00 Monday (6 h: a day, 250) and 00:00-10:00 Tuesday (10 h: a day, 250)
    assert quote.excl_vat == Decimal("500")
    assert len(quote.lines) == 2


@pytest.mark.parametrize(
    ("status", "action", "approval", "expected"),
    [
        ("hold", "confirm", False, "confirmed"),
        ("hold", "confirm", True, "pending"),  # the space needs staff approval
        ("pending", "approve", True, "confirmed"),
        ("pending", "reject", True, "rejected"),
        ("confirmed", "cancel", False, "cancelled"),
        ("cancelled", "cancel", False, None),  # nothing to cancel twice
        ("confirmed", "approve", False, None),
        ("expired", "confirm", False, None),  # a lapsed hold cannot be confirmed
    ],
)
def test_lifecycle_transitions(status, action, approval, expected):
    assert rules.next_status(status, action, requires_approval=approval) == expected


@pytest.mark.parametrize(
    ("status", "expires", "lapsed"),
    [
        ("hold", NOW - timedelta(seconds=1), True),
        ("hold", NOW, True),  # its time is up at the instant it names
        ("hold", NOW + timedelta(minutes=1), False),
        ("confirmed", NOW - timedelta(hours=1), False),  # only holds lapse
        ("hold", None, False),
    ],
)
def test_a_hold_lapses_at_its_expiry(status, expires, lapsed):
    assert rules.hold_lapsed(status, expires, NOW) is lapsed


def test_no_cancelling_after_the_end():
    assert rules.too_late_to_cancel(NOW, NOW) is True
    assert rules.too_late_to_cancel(NOW + timedelta(minutes=1), NOW) is False


@pytest.mark.parametrize(
    ("status", "approval", "by_staff", "expected"),
    [
        ("confirmed", True, False, "pending"),  # a company moved an approved booking: staff approve again
        ("confirmed", True, True, "confirmed"),  # staff moving it keep their approval
        ("confirmed", False, False, "confirmed"),  # the space needs no approval
        ("hold", True, False, "hold"),  # not approved yet: nothing to take back
    ],
)
def test_moving_an_approved_booking(status, approval, by_staff, expected):
    assert rules.status_after_move(status, requires_approval=approval, by_staff=by_staff) == expected


def test_the_longest_block_is_the_longest_booking_with_both_buffers():
    assert rules.longest_block(600, 30, 15) == timedelta(minutes=645)


def test_a_plan_holds_everything_a_booking_is_made_of():
    plan = rules.plan_booking(
        policy(setup_minutes=15, teardown_minutes=30, requires_approval=True),
        at(MONDAY, 10), at(MONDAY, 12), 8, now=NOW,
    )  # fmt: skip
    assert plan.problems == ()
    assert plan.block == (at(MONDAY, 9, 45), at(MONDAY, 12, 30))
    assert plan.status == rules.Status.PENDING and plan.hold_expires_at is None
    assert plan.quote.excl_vat == Decimal("100.00")
    assert plan.block[0].tzinfo == UTC  # UTC inside


def test_a_planned_hold_lasts_its_ttl_and_a_wrong_request_lists_its_problems():
    plan = rules.plan_booking(
        policy(), at(MONDAY, 10), at(MONDAY, 12), 50, now=NOW, hold=True, hold_ttl=timedelta(minutes=15)
    )
    assert plan.status == rules.Status.HOLD and plan.hold_expires_at == NOW + timedelta(minutes=15)
    assert [p.field for p in plan.problems] == ["attendees"]


def test_a_typed_time_inside_the_dst_gap_does_not_exist():
    sunday = last_sunday(2027, 3)
    assert rules.to_utc(datetime(sunday.year, sunday.month, sunday.day, 2, 30), PARIS) is None
    assert rules.to_utc(datetime(sunday.year, sunday.month, sunday.day, 9, 0), PARIS) == datetime(
        sunday.year, sunday.month, sunday.day, 7, 0, tzinfo=UTC
    )
