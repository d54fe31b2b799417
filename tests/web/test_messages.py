"""The booking rules' English messages, as a French reader sees them on a page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from clock import paris
from flask_babel import force_locale

from booking import rules
from booking.web.messages import translate, translate_detail

POLICY = rules.SpacePolicy(
    timezone="Europe/Paris", opening_hours={"mon": [["08:00", "20:00"]]}, capacities={"boardroom": 12},
    min_minutes=60, max_minutes=240, max_days_ahead=30, rate_hour=Decimal("50"),
)  # fmt: skip


def problems(start, end, attendees=4, layout=None, now=None):
    now = now or datetime(2027, 3, 1, 7, tzinfo=UTC) - timedelta(days=7)
    return [p.message for p in rules.check_booking(POLICY, start, end, attendees, now=now, layout=layout)]


MONDAY = datetime(2027, 3, 1).date()


@pytest.mark.parametrize(
    "messages, french",
    [
        (problems(paris(MONDAY, 10), paris(MONDAY, 9)), "La fin doit être après le début."),  # end first
        (problems(paris(MONDAY, 10), paris(MONDAY, 10, 30)), "Cet espace se réserve pour 60 minutes au moins."),
        (
            problems(paris(MONDAY, 10), paris(MONDAY, 11), attendees=20),
            "20 personnes, c’est plus que cet espace ne peut accueillir (12).",
        ),  # noqa: E501
        (
            problems(paris(MONDAY, 10), paris(MONDAY, 11), layout="banquet"),
            "Cet espace ne propose pas cette disposition.",
        ),  # noqa: E501
        (problems(paris(MONDAY, 19), paris(MONDAY, 21)), "En dehors des heures d’ouverture (ouvert 08:00–20:00)."),
        (
            problems(paris(MONDAY + timedelta(days=1), 10), paris(MONDAY + timedelta(days=1), 11)),
            "En dehors des heures d’ouverture (fermé ce jour-là).",
        ),  # noqa: E501
        (
            problems(paris(MONDAY, 10), paris(MONDAY, 11), now=datetime(2027, 3, 2, tzinfo=UTC)),
            "Ce créneau est déjà passé.",
        ),  # noqa: E501
        (["la-coque/salle-calanques is already booked then"], "Cet espace est déjà réservé sur ce créneau."),
    ],
)
def test_rule_messages_read_in_french(app, messages, french):
    with app.test_request_context(), force_locale("fr"):
        assert [translate(message) for message in messages] == [french]


def test_an_unknown_message_is_shown_as_it_came_marked_english(app):
    with app.test_request_context(), force_locale("fr"):
        shown = translate_detail("a brand <new> message")
    assert shown == '<span lang="en">a brand &lt;new&gt; message</span>'


def test_the_joined_problems_of_a_skipped_date_are_said_one_by_one(app):
    with app.test_request_context(), force_locale("fr"):
        shown = translate_detail("start: is in the past; attendees: must be at least 1")
    assert shown == "Ce créneau est déjà passé. Au moins une personne."
