"""The nearest alternatives to a taken slot: pure, from plain rules and busy blocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from booking.alternatives import SpaceInQuestion, other_spaces, other_times
from booking.rules import SpacePolicy

PARIS = ZoneInfo("Europe/Paris")
MONDAY = date(2027, 3, 1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), PARIS)


def space(slug="salle", *, busy=(), hours=(("08:00", "20:00"),), capacities=None, rate=50, **rules) -> SpaceInQuestion:
    policy = SpacePolicy(
        timezone="Europe/Paris", opening_hours={day: [list(h) for h in hours] for day in WEEKDAYS},
        capacities=capacities or {"boardroom": 10}, rate_hour=Decimal(rate), rate_half_day=Decimal(rate * 3),
        rate_day=Decimal(rate * 5), **rules,
    )  # fmt: skip
    return SpaceInQuestion(("la-coque", slug), policy, tuple(busy))


EARLY = at(MONDAY, 7).astimezone(UTC) - timedelta(days=1)  # "now": the Sunday before


def local(alternatives) -> list[str]:
    return [f"{a.start.astimezone(PARIS):%a %H:%M}-{a.end.astimezone(PARIS):%H:%M}" for a in alternatives]


def test_the_same_space_is_offered_at_the_free_times_nearest_the_one_asked_then_the_same_time_other_days():
    room = space(busy=[(at(MONDAY, 10), at(MONDAY, 12))])
    found = other_times(room, at(MONDAY, 10), at(MONDAY, 12), 6, now=EARLY)
    # 08:00 and 12:00 are two hours away, 12:30 two and a half; the 09:xx starts run into the booking
    assert local(found) == ["Mon 08:00-10:00", "Mon 12:00-14:00", "Mon 12:30-14:30",
                            "Tue 10:00-12:00", "Wed 10:00-12:00", "Thu 10:00-12:00"]  # fmt: skip
    assert {a.kind for a in found} == {"other_time"}
    assert found[0].quote.excl_vat == Decimal("100.00")  # two hours at 50


def test_the_buffers_of_the_booking_in_the_way_and_of_the_new_one_are_kept_free():
    # the booking in the way ends at 12:00 and its teardown at 12:15; the room's own 15 minutes count too
    room = space(busy=[(at(MONDAY, 10), at(MONDAY, 12, 15))], teardown_minutes=15)
    found = other_times(room, at(MONDAY, 10), at(MONDAY, 12), 6, now=EARLY)
    # 08:00-10:00 would tear down until 10:15, into the booking; 12:00 starts inside its teardown
    assert local(found)[:3] == ["Mon 12:30-14:30", "Mon 13:00-15:00", "Mon 13:30-15:30"]


def test_times_already_past_are_not_offered():
    room = space(busy=[(at(MONDAY, 10), at(MONDAY, 12))])
    found = other_times(room, at(MONDAY, 10), at(MONDAY, 12), 6, now=at(MONDAY, 9).astimezone(UTC))
    assert local(found)[:3] == ["Mon 12:00-14:00", "Mon 12:30-14:30", "Mon 13:00-15:00"]


def test_on_the_spring_clock_change_no_time_the_clock_skips_is_offered():
    sunday = date(2027, 3, 28)  # 02:00 becomes 03:00
    room = space(hours=(("00:00", "24:00"),), busy=[(at(sunday, 0), at(sunday, 1))], max_minutes=600)
    found = other_times(room, at(sunday, 0), at(sunday, 1), 2, now=EARLY)
    assert local(found)[:3] == ["Sun 01:00-03:00", "Sun 01:30-03:30", "Sun 03:00-04:00"]
    assert all(a.end - a.start == timedelta(hours=1) for a in found)


def test_other_spaces_free_then_with_room_for_everyone_are_offered_cheapest_first():
    asked = (at(MONDAY, 10), at(MONDAY, 12))
    spaces = [
        space("grande", capacities={"theatre": 40}, rate=90),  # no boardroom layout: offered all the same
        space("petite", capacities={"boardroom": 4}),  # too small for 6
        space("prise", busy=[asked]),  # taken then
        space("moyenne", capacities={"boardroom": 12}, rate=60),
        space("fermee", hours=(("14:00", "20:00"),)),  # closed in the morning
    ]
    found = other_spaces(spaces, *asked, 6, now=EARLY, layout="boardroom")
    assert [a.key[1] for a in found] == ["moyenne", "grande"]
    assert [a.quote.excl_vat for a in found] == [Decimal("120.00"), Decimal("180.00")]
    assert {(a.kind, a.start, a.end) for a in found} == {("other_space", *asked)}


def test_nothing_free_offers_nothing():
    all_fortnight = (at(MONDAY - timedelta(days=7), 0), at(MONDAY + timedelta(days=7), 0))
    room = space(hours=(("10:00", "12:00"),), busy=[all_fortnight])
    assert other_times(room, at(MONDAY, 10), at(MONDAY, 12), 6, now=EARLY) == []
