"""iCalendar feeds by private URL, and one booking as .ics: what they show, to whom, and at what time."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from clock import next_dst_sunday, paris
from icalendar import Calendar
from icskit import rfc5545_problems

from booking import ical
from booking.extensions import db
from booking.services import accounts, bookings, feeds


def parse(response) -> Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def rival(make_user):
    return make_user("customer", org="rival")


@pytest.fixture
def feed_url():
    """``feed_url(user, scope, site=, space=)`` -> the path of a new feed of that user."""

    def make(user, scope: str = "organisation", **where) -> str:
        token, _ = feeds.create_feed(user, scope, **where)
        return f"/feeds/{token}.ics"

    return make


def test_a_company_feed_needs_no_sign_in_and_carries_uid_sequence_status_and_zone(
    client, customer, make_booking, feed_url, monday
):
    confirmed = make_booking(customer, start=10, end=12, title="Kick-off")
    held = make_booking(customer, "salle-frioul", 14, 15, title="Option", hold=True)
    calendar = parse(client.get(feed_url(customer)))
    found = events(calendar)
    event = found[f"booking-{confirmed.id}@onexperience"]
    assert str(event["SUMMARY"]) == "Kick-off"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == confirmed.version
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTSTART") == paris(monday, 10)
    assert event.decoded("DTEND") == paris(monday, 12)
    assert "DTSTAMP" in event
    assert str(found[f"booking-{held.id}@onexperience"]["STATUS"]) == "TENTATIVE"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_a_feed_tells_calendar_apps_to_poll_hourly(client, customer, make_booking, feed_url):
    make_booking(customer)
    calendar = parse(client.get(feed_url(customer)))
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"


def test_a_cancelled_booking_stays_in_the_feed_as_cancelled_with_a_higher_sequence(
    client, customer, make_booking, feed_url
):
    booking = make_booking(customer)
    url = feed_url(customer)
    before = events(parse(client.get(url)))[f"booking-{booking.id}@onexperience"]
    bookings.transition(customer, booking.id, "cancel")
    after = events(parse(client.get(url)))[f"booking-{booking.id}@onexperience"]
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_an_unchanged_feed_answers_304_and_a_changed_one_is_sent_again(client, customer, make_booking, feed_url):
    booking = make_booking(customer)
    url = feed_url(customer)
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    bookings.transition(customer, booking.id, "cancel")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.headers["ETag"] != etag


def test_a_feed_written_a_new_way_is_sent_again_though_no_booking_changed(
    client, customer, make_booking, feed_url, monkeypatch
):
    make_booking(customer)
    url = feed_url(customer)
    etag = client.get(url).headers["ETag"]
    monkeypatch.setattr(ical, "FORM", ical.FORM + 1)  # as a release that changes how files are written
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_a_site_feed_shows_other_companies_bookings_as_busy_only(client, customer, rival, make_booking, feed_url):
    mine = make_booking(customer, "salle-calanques", 10, 12, title="Kick-off")
    theirs = make_booking(rival, "salle-frioul", 10, 12, title="Secret merger")
    response = client.get(feed_url(customer, "site", site="la-coque"))
    found = events(parse(response))
    assert str(found[f"booking-{mine.id}@onexperience"]["SUMMARY"]) == "Kick-off"
    busy = found[f"booking-{theirs.id}@onexperience"]
    assert str(busy["SUMMARY"]) == "Occupé"
    assert "DESCRIPTION" not in busy
    assert b"Secret merger" not in response.data
    assert b"Rival" not in response.data


def test_a_space_feed_of_staff_shows_every_company(client, staff, customer, rival, make_booking, feed_url):
    make_booking(customer, "salle-calanques", 10, 12, title="Kick-off")
    make_booking(rival, "salle-calanques", 14, 16, title="Secret merger")
    response = client.get(feed_url(staff, "space", site="la-coque", space="salle-calanques"))
    summaries = sorted(str(e["SUMMARY"]) for e in events(parse(response)).values())
    assert summaries == ["Kick-off · Acme", "Secret merger · Rival"]


def test_a_feed_speaks_its_owners_language(client, customer, rival, make_booking, feed_url):
    accounts.set_locale(customer, "en")
    theirs = make_booking(rival, title="Secret merger")
    found = events(parse(client.get(feed_url(customer, "site", site="la-coque"))))
    assert str(found[f"booking-{theirs.id}@onexperience"]["SUMMARY"]) == "Busy"


def test_a_revoked_or_unknown_feed_is_not_found(client, customer, feed_url):
    url = feed_url(customer)
    record = feeds.list_feeds(customer)[0]
    feeds.revoke_feed(customer, record.id)
    assert client.get(url).status_code == 404
    assert client.get("/feeds/feed_nothing.ics").status_code == 404


def test_only_the_tokens_hash_is_stored(customer, feed_url):
    url = feed_url(customer)
    record = feeds.list_feeds(customer)[0]
    token = url.removeprefix("/feeds/").removesuffix(".ics")
    assert record.token_hash == accounts.hash_token(token)
    assert token not in record.token_hash


@pytest.mark.parametrize(
    "month, utc_hour",
    [
        (3, 7),  # last Sunday of March: clocks went forward at 02:00, 09:00 is UTC+2
        (10, 8),  # last Sunday of October: clocks went back at 03:00, 09:00 is UTC+1
    ],
)
def test_feeds_keep_local_times_on_dst_days(client, customer, make_space, make_booking, feed_url, month, utc_hour):
    make_space("sunday-room")  # open every day, all day
    day = next_dst_sunday(month)
    booking = make_booking(customer, "sunday-room", 9, 11, day=day)
    event = events(parse(client.get(feed_url(customer))))[f"booking-{booking.id}@onexperience"]
    start = event.decoded("DTSTART")
    assert (start.date(), start.hour, start.minute) == (day, 9, 0)
    assert start.astimezone(UTC).hour == utc_hour
    assert event.decoded("DTEND").astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=2)


def test_one_booking_downloads_as_an_ics_file(client, sign_in, customer, make_booking):
    booking = make_booking(customer)
    sign_in(customer)
    response = client.get(f"/bookings/{booking.id}.ics")
    assert response.headers["Content-Disposition"] == f'attachment; filename="booking-{booking.id}.ics"'
    calendar = parse(response)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert list(events(calendar)) == [f"booking-{booking.id}@onexperience"]


def test_another_companys_booking_cannot_be_downloaded(client, sign_in, customer, rival, make_booking):
    theirs = make_booking(rival, title="Secret merger")
    sign_in(customer)
    response = client.get(f"/bookings/{theirs.id}.ics")
    assert response.status_code == 404
    assert b"Secret merger" not in response.data


def test_the_feeds_page_shows_a_new_address_once_and_revokes_it(client, sign_in, post_form, customer):
    sign_in(customer)
    page = post_form("/feeds", "/feeds", target="organisation:").get_data(as_text=True)
    assert "/feeds/feed_" in page
    assert "/feeds/feed_" not in client.get("/feeds").get_data(as_text=True)
    record = feeds.list_feeds(customer)[0]
    post_form("/feeds", f"/feeds/{record.id}/revoke")
    assert feeds.list_feeds(customer) == []


# --- files no calendar can misread -------------------------------------------------------------

HOSTILE = "Kick-off\r\nX-INJECTED:1\rsuite\x07, virgule; point-virgule \\ fin"


def test_rows_with_control_characters_still_export_as_clean_text(client, sign_in, customer, make_booking, feed_url):
    booking = make_booking(customer, title="Kick-off")
    # as rows written before titles and notes were checked may hold them
    booking.title, booking.notes = HOSTILE, "ligne 1\r\nligne 2\rligne 3\x1b"  # PostgreSQL text refuses NUL itself
    db.session.commit()
    sign_in(customer)
    for response in (client.get(feed_url(customer)), client.get(f"/bookings/{booking.id}.ics")):
        assert rfc5545_problems(parse(response).to_ical()) == [] == rfc5545_problems(response.data)
        (event,) = events(parse(response)).values()
        assert str(event["SUMMARY"]) == "Kick-off X-INJECTED:1 suite, virgule; point-virgule \\ fin"
        assert "X-INJECTED" not in event
        assert "ligne 1\nligne 2\nligne 3" in str(event["DESCRIPTION"])


def test_the_calendar_name_is_escaped_as_text(client, make_org, make_user, make_booking, feed_url):
    make_org("virgule", name="Dupont, Durand; et fils")
    owner = make_user("customer", org="virgule")
    make_booking(owner)
    response = client.get(feed_url(owner))
    assert b"X-WR-CALNAME:Dupont\\, Durand\\; et fils\r\n" in response.data


def test_a_feed_passes_the_strict_rfc5545_check_and_its_sequence_rises_on_each_change(
    client, customer, make_booking, feed_url, monday
):
    booking = make_booking(customer, title="Réunion de lancement avec l’équipe de Marseille " * 4)
    url = feed_url(customer)
    seen = []
    for change in (
        None,
        lambda: bookings.reschedule(customer, booking.id, {"end": paris(monday, 13)}, version=booking.version),
        lambda: bookings.reschedule(customer, booking.id, {"title": "Bilan"}, version=booking.version),
        lambda: bookings.transition(customer, booking.id, "cancel"),
    ):
        if change:
            change()
        response = client.get(url)
        assert rfc5545_problems(response.data) == []
        seen.append(int(events(parse(response))[f"booking-{booking.id}@onexperience"]["SEQUENCE"]))
    assert seen == sorted(set(seen)), f"SEQUENCE must rise on every change: {seen}"


def test_the_strict_check_refuses_what_calendars_misread():
    bad = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\nPRODID:x\r\nBEGIN:VEVENT\r\nSUMMARY:"
        + "é".encode() * 40
        + b"\r\nDTSTART;TZID=Mars/Olympus:20270101T100000\r\nEND:VEVENT\r\nEND:VCALENDAR"
    )
    problems = " | ".join(rfc5545_problems(bad))
    for words in ("does not end with CRLF", "bare CR or LF", "more than 75", "without DTSTAMP, UID", "Mars/Olympus"):
        assert words in problems
    folded_mid_character = b"BEGIN:VCALENDAR\r\nX-A:" + "é".encode()[:1] + b"\r\n " + "é".encode()[1:] + b"\r\n"
    assert "inside a UTF-8 character" in " | ".join(rfc5545_problems(folded_mid_character))
