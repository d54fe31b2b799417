"""What a room's door display says: the pure decision (booking.doorsign)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from clock import paris

from booking.doorsign import DoorBooking, DoorSpace, Sensing, door_sign

DAY = date(2026, 11, 30)  # a Monday
OPEN = [(paris(DAY, 8), paris(DAY, 20))]
HEALTHY_EMPTY = Sensing(present=False, count=0, fresh=True, health="healthy")
HEALTHY_BUSY = Sensing(present=True, count=7, fresh=True, health="healthy")


def meeting(start=(10, 0), end=(12, 0), *, checked_in=None, status="confirmed", setup=0, title="Kick-off"):
    begins = paris(DAY, *start)
    return DoorBooking(
        id=1, start=begins, end=paris(DAY, *end), block_start=begins - timedelta(minutes=setup),
        status=status, title=title, checked_in_at=checked_in,
    )  # fmt: skip


def sign(at, bookings=(), sensing=HEALTHY_EMPTY, space=DoorSpace(), opening=OPEN):
    return door_sign(paris(DAY, *at), list(bookings), sensing, space, opening)


def test_an_empty_room_is_free_until_its_next_booking_takes_it():
    said = sign((9, 0), [meeting(setup=15)])
    assert (said.state, said.until) == ("free", paris(DAY, 9, 45))  # its setup takes the room first
    assert [b.id for b in said.upcoming] == [1]


def test_a_free_room_with_nothing_booked_is_free_until_closing():
    assert sign((9, 0)).until == paris(DAY, 20)


def test_outside_opening_hours_the_room_is_free_but_closed():
    said = sign((21, 0))
    assert (said.state, said.open_now, said.until) == ("free", False, None)


def test_a_booking_nobody_checked_in_is_waiting_with_its_release_time():
    said = sign((10, 5), [meeting()])
    assert said.state == "waiting"
    assert said.release_at == paris(DAY, 10, 15)  # the default 15-minute grace
    assert said.can_check_in


def test_check_in_opens_fifteen_minutes_before_the_start():
    assert sign((9, 44), [meeting()]).state == "free"
    early = sign((9, 45), [meeting()])
    assert (early.state, early.can_check_in) == ("waiting", True)


@pytest.mark.parametrize(
    ("space", "sensing"),
    [
        (DoorSpace(profile="studio"), HEALTHY_EMPTY),  # studios are never released
        (DoorSpace(), Sensing(health="offline")),  # a no-show cannot be told from a fault
        (DoorSpace(), Sensing(health="missing")),  # no sensor in the room
    ],
)
def test_where_no_release_can_happen_no_countdown_is_shown(space, sensing):
    said = sign((10, 5), [meeting()], sensing=sensing, space=space)
    assert (said.state, said.release_at) == ("waiting", None)


def test_a_manual_check_in_space_counts_down_even_without_sensors():
    said = sign((10, 5), [meeting()], sensing=Sensing(health="missing"), space=DoorSpace(manual_checkin=True))
    assert said.release_at == paris(DAY, 10, 15)


def test_people_seen_by_fresh_sensors_make_the_booking_in_use_with_their_count():
    said = sign((10, 5), [meeting()], sensing=HEALTHY_BUSY)
    assert (said.state, said.count, said.until) == ("in_use", 7, paris(DAY, 12))


def test_a_checked_in_booking_is_in_use_even_while_the_room_is_empty():
    said = sign((11, 0), [meeting(checked_in=paris(DAY, 10, 2))])
    assert (said.state, said.can_check_in) == ("in_use", False)


def test_people_and_no_booking_is_in_use_without_a_booking():
    assert sign((13, 0), [meeting()], sensing=HEALTHY_BUSY).state == "unbooked_use"


def test_offline_sensors_never_say_people_are_there():
    offline = Sensing(present=True, count=7, fresh=False, health="offline")
    said = sign((13, 0), sensing=offline)
    assert (said.state, said.count, said.sensors_trusted) == ("free", None, False)


def test_a_pending_booking_shows_but_cannot_be_checked_in():
    said = sign((10, 5), [meeting(status="pending")])
    assert (said.state, said.can_check_in, said.release_at) == ("waiting", False, None)


def test_the_booking_under_way_wins_over_the_next_ones_early_window():
    first = meeting((9, 0), (10, 0))
    second = DoorBooking(2, paris(DAY, 10), paris(DAY, 11), paris(DAY, 10), "confirmed")
    said = sign((9, 50), [second, first])
    assert said.current.id == 1
    assert [b.id for b in said.upcoming] == [2]


def test_a_room_open_round_the_clock_is_free_for_the_rest_of_the_day():
    midnight = paris(DAY + timedelta(days=1), 0)
    said = door_sign(paris(DAY, 21), [], HEALTHY_EMPTY, DoorSpace(), [(paris(DAY, 0), midnight)], midnight)
    assert (said.state, said.until, said.open_now) == ("free", None, True)


def test_people_without_a_booking_are_told_when_the_next_one_takes_the_room():
    said = sign((13, 0), [meeting((14, 0), (15, 0))], sensing=HEALTHY_BUSY)
    assert (said.state, said.taken_at) == ("unbooked_use", paris(DAY, 14))
