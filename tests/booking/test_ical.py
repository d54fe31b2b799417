"""The VTIMEZONE that feeds, downloads and invitations share: right in every reader, every year.

Pure: documents are built from plain values and read back by the three readers of icskit, each
with only the document's own VTIMEZONE to go by.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from icskit import read_everywhere, rfc5545_problems

from booking import ical

STAMP = datetime(2026, 12, 1, tzinfo=UTC)


def moments(tzid: str, first: date, last: date) -> list[datetime]:
    """Noon UTC every five days, and every half hour of each day on which the zone's offset changes."""
    tz = ZoneInfo(tzid)
    found = []
    day = datetime.combine(first, datetime.min.time(), UTC)
    while day.date() <= last:
        if day.astimezone(tz).utcoffset() != (day + timedelta(days=1)).astimezone(tz).utcoffset():
            found += [day + timedelta(minutes=30 * i) for i in range(48)]
        elif (day.date() - first).days % 5 == 0:
            found.append(day + timedelta(hours=12))
        day += timedelta(days=1)
    return found


def document(tzid: str, starts: list[datetime]) -> bytes:
    events = [
        ical.CalendarEvent(
            uid=f"event-{i}",
            start=start,
            end=start + timedelta(minutes=45),
            summary="Réunion",
            status="confirmed",
            sequence=1,
            stamp=STAMP,
        )  # fmt: skip
        for i, start in enumerate(starts)
    ]
    return ical.calendar("Agenda", events, timezone=tzid)


@pytest.mark.parametrize(
    "tzid",
    [
        "Europe/Paris",  # the venues' zone
        "America/New_York",  # second Sunday of March, first of November: counted from the start
        "Australia/Sydney",  # southern summer: daylight time across the new year
        "America/Sao_Paulo",  # gave up summer time in 2019: the last change holds for ever
        "Asia/Tokyo",  # never changes
    ],
)
def test_every_reader_places_every_time_of_three_years_where_the_zone_does(tzid):
    starts = moments(tzid, date(2026, 1, 1), date(2028, 12, 31))
    data = document(tzid, starts)
    expected = {f"event-{i}": (start, start + timedelta(minutes=45)) for i, start in enumerate(starts)}
    for reader, (found,) in read_everywhere(data).items():
        wrong = {uid: found.get(uid) for uid, want in expected.items() if found.get(uid) != want}
        assert not wrong, f"{reader} misplaces {len(wrong)} events, e.g. {next(iter(wrong.items()))}"


def test_paris_is_one_standard_and_one_daylight_rule_as_outlook_and_google_write_it():
    (zone,) = Calendar.from_ical(document("Europe/Paris", [datetime(2027, 7, 6, 12, tzinfo=UTC)])).walk("VTIMEZONE")
    rules = {
        sub.name: (sub["DTSTART"].to_ical(), sub["TZOFFSETFROM"].to_ical(), sub["TZOFFSETTO"].to_ical(),
                   sub["RRULE"].to_ical(), "RDATE" in sub)
        for sub in zone.subcomponents
    }  # fmt: skip
    assert rules == {
        # 02:00 on the clock before the change (+01:00), so 01:00 UTC: summer time starts
        "DAYLIGHT": (b"19810329T020000", "+0100", "+0200", b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", False),
        # 03:00 on the summer clock (+02:00), so 01:00 UTC: back to standard time
        "STANDARD": (b"19961027T030000", "+0200", "+0100", b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", False),
    }


def test_a_time_the_autumn_clock_shows_twice_is_written_in_utc():
    first_pass = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 summer time
    second_pass = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 again, standard time
    events = Calendar.from_ical(document("Europe/Paris", [first_pass, second_pass])).walk("VEVENT")
    assert [event["DTSTART"].to_ical() for event in events] == [b"20271031T003000Z", b"20271031T013000Z"]
    assert [event["DTEND"].params.get("TZID") for event in events] == [None, "Europe/Paris"]  # 03:15 is once


def test_a_document_passes_the_strict_rfc5545_check():
    spring = moments("Europe/Paris", date(2027, 3, 1), date(2027, 4, 30))
    assert rfc5545_problems(document("Europe/Paris", spring)) == []
