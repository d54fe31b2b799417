"""The booking rules' problems and the services' errors, as a French reader sees them on a page, by code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from clock import paris
from flask_babel import force_locale

from booking import rules
from booking.errors import Conflict, Invalid
from booking.web.messages import error_text, problem_text

POLICY = rules.SpacePolicy(
    timezone="Europe/Paris", opening_hours={"mon": [["08:00", "20:00"]]}, capacities={"boardroom": 12},
    min_minutes=60, max_minutes=240, max_days_ahead=30, rate_hour=Decimal("50"),
)  # fmt: skip


def problems(start, end, attendees=4, layout=None, now=None):
    now = now or datetime(2027, 3, 1, 7, tzinfo=UTC) - timedelta(days=7)
    return [problem_text(p) for p in rules.check_booking(POLICY, start, end, attendees, now=now, layout=layout)]


MONDAY = datetime(2027, 3, 1).date()


@pytest.mark.parametrize(
    "said, french",
    [
        (lambda: problems(paris(MONDAY, 10), paris(MONDAY, 9)), "La fin doit être après le début."),  # end first
        (
            lambda: problems(paris(MONDAY, 10), paris(MONDAY, 10, 30)),
            "Cet espace se réserve pour 60 minutes au moins.",
        ),
        (
            lambda: problems(paris(MONDAY, 10), paris(MONDAY, 11), attendees=20),
            "20 personnes, c’est plus que cet espace ne peut accueillir (12).",
        ),  # noqa: E501
        (
            lambda: problems(paris(MONDAY, 10), paris(MONDAY, 11), layout="banquet"),
            "Cet espace ne propose pas cette disposition.",
        ),  # noqa: E501
        (
            lambda: problems(paris(MONDAY, 19), paris(MONDAY, 21)),
            "En dehors des heures d’ouverture (ouvert 08:00–20:00).",
        ),
        (
            lambda: problems(paris(MONDAY + timedelta(days=1), 10), paris(MONDAY + timedelta(days=1), 11)),
            "En dehors des heures d’ouverture (fermé ce jour-là).",
        ),  # noqa: E501
        (
            lambda: problems(paris(MONDAY, 10), paris(MONDAY, 11), now=datetime(2027, 3, 2, tzinfo=UTC)),
            "Ce créneau est déjà passé.",
        ),  # noqa: E501
    ],
)
def test_rule_problems_read_in_french(app, said, french):
    with app.test_request_context(), force_locale("fr"):
        assert [str(text) for text in said()] == [french]


def test_a_taken_space_reads_in_french_by_its_code(app):
    error = Conflict("la-coque/salle-calanques is already booked then", code="space_taken")
    with app.test_request_context(), force_locale("fr"):
        assert error_text(error) == "Cet espace est déjà réservé sur ce créneau."


def test_an_english_sentence_is_never_read_for_its_meaning(app):
    """The code decides: the same words under a code nobody translated stay English."""
    error = Conflict("la-coque/salle-calanques is already booked then", code="something_new")
    with app.test_request_context(), force_locale("fr"):
        assert error_text(error) == '<span lang="en">la-coque/salle-calanques is already booked then</span>'


def test_an_untranslated_problem_is_shown_as_it_came_marked_english(app):
    problem = rules.Problem("name", "a brand <new> message", "brand_new")
    with app.test_request_context(), force_locale("fr"):
        assert problem_text(problem) == '<span lang="en">a brand &lt;new&gt; message</span>'


def test_an_invalid_request_is_said_problem_by_problem(app):
    error = Invalid([rules.Problem("start", "is in the past", "in_the_past"),
                     rules.Problem("attendees", "must be at least 1", "too_few_people")])  # fmt: skip
    with app.test_request_context(), force_locale("fr"):
        assert error_text(error) == "Ce créneau est déjà passé. Au moins une personne."


def test_a_skipped_date_of_a_series_is_said_from_its_problems_as_data(app):
    entry = {"field": "start", "message": "already booked", "code": "taken"}
    with app.test_request_context(), force_locale("fr"):
        assert problem_text(entry) == "déjà réservé"
