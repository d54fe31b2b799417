"""The services' problems and errors, said in the reader's language by their stable code.

The rules and services speak English (the API's language, and the logs') and give every
problem and error a ``code`` with its parameters; a page looks the code up here. One nobody
has translated yet is shown in its English, marked ``lang="en"`` by the templates, rather
than hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from booking.errors import DomainError
from booking.rules import Problem
from booking.web.labels import layout_label

Params = Mapping[str, object]


def _opening_hours(params: Params) -> str:
    spans = params.get("open") or []
    hours = _("open %(spans)s", spans=", ".join(spans)) if spans else _("closed that day")
    return _("Outside opening hours (%(hours)s).", hours=hours)


def _over_capacity(params: Params) -> str:
    if params.get("layout"):
        return _(
            "%(people)s people is more than the %(layout)s layout holds (%(capacity)s).",
            people=params["people"], capacity=params["capacity"], layout=layout_label(str(params["layout"])),
        )  # fmt: skip
    return _("%(people)s people is more than this space holds (%(capacity)s).", **params)


def _weekday(params: Params) -> str:
    """« dimanche » / "Sunday": the day of the week of the problem's date, in the reader's language."""
    return format_date(date.fromisoformat(str(params["date"])), "EEEE")


def _all_outside_hours(params: Params) -> str:
    if params.get("open"):
        return _("This time is outside the opening hours (%(hours)s).", hours=", ".join(params["open"]))
    return _("This time is outside every venue's opening hours that day.")


def _out_of_stock(params: Params) -> str:
    name = params.get("name") or params["item"]
    if not params.get("left"):
        return _("%(name)s: none left at that time (you asked for %(asked)s).", name=name, asked=params["asked"])
    return _(
        "%(name)s: only %(left)s left at that time (you asked for %(asked)s).",
        name=name, left=params["left"], asked=params["asked"],
    )  # fmt: skip


# code -> how to say it, from the code's parameters
SAY: dict[str, Callable[[Params], str]] = {
    "end_before_start": lambda p: _("The end must be after the start."),
    "in_the_past": lambda p: _("This time is in the past."),
    "too_far_ahead": lambda p: _("Bookings open %(days)s days ahead at most.", days=p["days"]),
    "too_short": lambda p: _("This space is booked for %(minutes)s minutes at least.", minutes=p["minutes"]),
    "too_long": lambda p: _("This space is booked for %(minutes)s minutes at most.", minutes=p["minutes"]),
    "window_longer_than_any_booking": lambda p: _(
        "No space is booked for more than %(minutes)s minutes: search a shorter time.", minutes=p["minutes"]
    ),
    "closed": lambda p: _("The space is closed that day."),
    "outside_opening_hours": _opening_hours,
    "too_few_people": lambda p: _("At least one person."),
    "over_capacity": _over_capacity,
    "unknown_layout": lambda p: _("This space does not offer that layout."),
    "unknown_site": lambda p: _("Unknown site."),
    "unknown_space": lambda p: _("Unknown space."),
    "unknown_equipment": lambda p: _("Unknown equipment: %(items)s.", items=", ".join(p["items"])),
    "too_many_dates": lambda p: _("A series has %(count)s dates at most.", count=p["count"]),
    "dates_beyond_horizon": lambda p: _(
        "Only %(found)s of the %(count)s dates fall before %(day)s, the furthest ahead this space can be booked.",
        found=p["found"], count=p["count"], day=p["day"],
    ),  # fmt: skip
    "space_taken": lambda p: _("This space is already booked at that time."),
    "taken_a_moment_ago": lambda p: _("Someone else booked this space for that time a moment ago."),
    "no_date_free": lambda p: _("None of the dates of the series is free."),
    "dates_not_free": lambda p: ngettext(
        "%(num)d date of the series is not free.", "%(num)d dates of the series are not free.", p["count"]
    ),
    "legs_taken": lambda p: _("Some stops of the roadshow are already booked."),
    "taken": lambda p: _("already booked"),
    "already_took_place": lambda p: _("This booking already took place."),
    "hold_expired": lambda p: _("The hold has expired; book again."),
    "wrong_status": lambda p: _("This booking can no longer be changed that way."),
    "all_closed": lambda p: (
        _("Every space is closed that day (%(reasons)s).", reasons=", ".join(p["reasons"]))
        if p.get("reasons") else _("Every space is closed that day.")
    ),
    "all_closed_weekday": lambda p: _("Nothing is open on a %(weekday)s: choose another day.", weekday=_weekday(p)),
    "all_outside_opening_hours": _all_outside_hours,
    "nowhere_big_enough": lambda p: _(
        "No space holds %(people)s people: the largest holds %(capacity)s.", people=p["people"], capacity=p["capacity"]
    ),
    "series_over": lambda p: _("No date of this series is still to come."),
    "books_for_itself": lambda p: _("A company books for itself only."),
    "not_in_series": lambda p: _("This booking is not part of a series."),
    "clock_gap": lambda p: _("This time does not exist that day (clock change)."),
    "out_of_stock": _out_of_stock,
    "streaming_needed": lambda p: _(
        "People online need the streaming package: tick %(name)s.", name=p.get("name") or p["item"]
    ),
    "no_streaming_here": lambda p: _("People online need a space with the streaming package; this one has none."),
    "unknown_service": lambda p: _("This site does not offer %(item)s.", item=p["item"]),
    "service_not_here": lambda p: _("This space does not offer %(item)s.", item=p["item"]),
    "once_per_booking": lambda p: _("This package is taken once per booking."),
    "changed_since_read": lambda p: _("The booking changed since you opened it: look at it again, then change it."),
}


def say(code: str, params: Params, english: str) -> str:
    """What ``code`` means in the reader's language, or the English as it came, marked as such."""
    said = SAY.get(code)
    if said is not None:
        return said(params)
    return Markup('<span lang="en">{}</span>').format(english)


def problem_text(problem: Problem | Mapping) -> str:
    """One problem (or a problem document's ``errors`` entry, as in a skipped date) to show."""
    if isinstance(problem, Problem):
        return say(problem.code, problem.params, problem.message)
    return say(problem.get("code", ""), problem.get("params") or {}, problem.get("message", ""))


def error_text(error: DomainError) -> str:
    """An error to show: by its code, or its problems one by one, or its English."""
    if error.code in SAY:
        return say(error.code, error.params, error.detail)
    if error.problems:
        return Markup(" ").join(problem_text(p) for p in error.problems)
    return say(error.code, error.params, error.detail)
