"""Where bookings sit on the calendar's time axis, including on DST days."""

from __future__ import annotations

from datetime import date

import pytest
from clock import last_sunday, paris

from booking.web import timeline

MONDAY = date(2027, 3, 1)


def test_the_window_covers_whole_hours_of_every_span():
    window = timeline.day_window(MONDAY, "Europe/Paris", [(paris(MONDAY, 8), paris(MONDAY, 20, 15))])
    assert (window.start, window.end) == (paris(MONDAY, 8), paris(MONDAY, 21))


def test_a_closed_day_shows_default_hours():
    window = timeline.day_window(MONDAY, "Europe/Paris", [])
    assert (window.start.hour, window.end.hour) == timeline.DEFAULT_HOURS


def test_a_bar_has_its_buffers_on_either_side():
    window = timeline.Window(paris(MONDAY, 8), paris(MONDAY, 18))  # 10 hours: 10% per hour
    bar = timeline.bar(window, paris(MONDAY, 10), paris(MONDAY, 12), paris(MONDAY, 9), paris(MONDAY, 12, 30))
    assert (bar.setup_left, bar.setup_width, bar.left, bar.width, bar.teardown_left, bar.teardown_width) == (
        10.0, 10.0, 20.0, 20.0, 40.0, 5.0,
    )  # fmt: skip


def test_a_booking_outside_the_window_has_no_bar():
    window = timeline.Window(paris(MONDAY, 8), paris(MONDAY, 18))
    assert timeline.bar(window, paris(MONDAY, 19), paris(MONDAY, 20), paris(MONDAY, 19), paris(MONDAY, 20)) is None


@pytest.mark.parametrize(
    "month, hours",
    [
        (3, 23),  # spring forward: the day has 23 hours, 02:00 does not exist
        (10, 25),  # fall back: the day has 25 hours, 02:00 happens twice
    ],
)
def test_dst_days_have_one_column_per_real_hour(month, hours):
    day = last_sunday(2027, month)
    window = timeline.day_window(day, "Europe/Paris", [(paris(day, 0), paris(day, 23, 59))])
    marks = window.hours()
    assert len(marks) == hours
    # 09:00 local sits where the real elapsed time puts it, not where the wall clock would
    nine = [left for moment, left in marks if moment.hour == 9][0]
    assert nine == pytest.approx(100 * (9 - (1 if month == 3 else -1)) / hours, abs=0.01)
