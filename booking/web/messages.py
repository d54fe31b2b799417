"""The booking rules' English messages, said again in the reader's language.

The rules and services speak English (the API's language, and the logs'); a page shows
their messages through this table. A message nobody has translated yet is shown as it
is, marked ``lang="en"`` by the templates, rather than hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from booking.web.labels import layout_label


def _hours(text: str) -> str:
    closed = re.fullmatch(r"closed on \w+", text)
    if closed:
        return _("closed that day")
    opened = re.fullmatch(r"open (.+) on \S+ \((.+)\)", text)
    if opened:
        return _("open %(spans)s", spans=opened.group(1))
    return text


# (pattern, how to say it); the first that matches the whole message wins
MESSAGES: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"must be after start"), lambda m: _("The end must be after the start.")),
    (re.compile(r"is in the past"), lambda m: _("This time is in the past.")),
    (
        re.compile(r"is more than (\d+) days ahead; bookings open later"),
        lambda m: _("Bookings open %(days)s days ahead at most.", days=m.group(1)),
    ),
    (
        re.compile(r"the booking is shorter than (\d+) minutes"),
        lambda m: _("This space is booked for %(minutes)s minutes at least.", minutes=m.group(1)),
    ),
    (
        re.compile(r"the booking is longer than (\d+) minutes"),
        lambda m: _("This space is booked for %(minutes)s minutes at most.", minutes=m.group(1)),
    ),
    (
        re.compile(r"the window is longer than the longest booking a space allows \((\d+) minutes\)"),
        lambda m: _("No space is booked for more than %(minutes)s minutes: search a shorter time.", minutes=m.group(1)),
    ),
    (re.compile(r"the space is closed on (\S+)"), lambda m: _("The space is closed that day.")),
    (
        re.compile(r"outside opening hours: (.+)"),
        lambda m: _("Outside opening hours (%(hours)s).", hours=_hours(m.group(1))),
    ),
    (re.compile(r"must be at least 1"), lambda m: _("At least one person.")),
    (
        re.compile(r"(\d+) people exceed the capacity of (\d+) in any layout"),
        lambda m: _(
            "%(people)s people is more than this space holds (%(capacity)s).", people=m.group(1), capacity=m.group(2)
        ),
    ),
    (
        re.compile(r"(\d+) people exceed the capacity of (\d+) in (\S+) layout"),
        lambda m: _(
            "%(people)s people is more than the %(layout)s layout holds (%(capacity)s).",
            people=m.group(1),
            capacity=m.group(2),
            layout=layout_label(m.group(3)),
        ),
    ),  # fmt: skip
    (re.compile(r"unknown layout .*"), lambda m: _("This space does not offer that layout.")),
    (re.compile(r"unknown site .*"), lambda m: _("Unknown site.")),
    (re.compile(r"unknown space .*"), lambda m: _("Unknown space.")),
    (re.compile(r"unknown equipment: (.+)"), lambda m: _("Unknown equipment: %(items)s.", items=m.group(1))),
    (
        re.compile(r"the series has more than (\d+) occurrences"),
        lambda m: _("A series has %(count)s dates at most.", count=m.group(1)),
    ),
    (
        re.compile(r"(\S+ \S+) does not exist \(DST change\)"),
        lambda m: _("%(when)s does not exist (clock change).", when=m.group(1)),
    ),
    (re.compile(r"\S+/\S+ is already booked then"), lambda m: _("This space is already booked at that time.")),
    (
        re.compile(r"\S+/\S+ was booked for that time by someone else a moment ago"),
        lambda m: _("Someone else booked this space for that time a moment ago."),
    ),
    (
        re.compile(r"only (\d+) of the (\d+) dates fall before (\S+), the furthest ahead this space can be booked: .*"),
        lambda m: _(
            "Only %(found)s of the %(count)s dates fall before %(day)s, the furthest ahead this space can be booked.",
            found=m.group(1),
            count=m.group(2),
            day=m.group(3),
        ),
    ),  # fmt: skip
    (re.compile(r"no date of the series can be booked"), lambda m: _("None of the dates of the series is free.")),
    (
        re.compile(r"(\d+) date\(s\) of the series cannot be booked"),
        lambda m: ngettext(
            "%(num)d date of the series is not free.", "%(num)d dates of the series are not free.", int(m.group(1))
        ),
    ),
    (
        re.compile(r"roadshow not booked: leg\(s\) .* are taken"),
        lambda m: _("Some stops of the roadshow are already booked."),
    ),
    (re.compile(r"already booked"), lambda m: _("already booked")),
    (re.compile(r"this booking already took place"), lambda m: _("This booking already took place.")),
    (re.compile(r"the hold expired at .*"), lambda m: _("The hold has expired; book again.")),
    (
        re.compile(r"cannot (\w+) a booking that is (\w+)"),
        lambda m: _("This booking can no longer be changed that way."),
    ),
    (re.compile(r"a company books for itself only"), lambda m: _("A company books for itself only.")),
]


def translate(message: str) -> str | None:
    """The message in the reader's language, or None when it is not in the table."""
    for pattern, say in MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match:
            return say(match)
    return None


def translate_detail(message: str) -> str:
    """A message to show: translated when possible, else as it came, marked as English."""
    said = translate(message)
    if said is not None:
        return said
    # a series' skipped date joins its problems: "start: is in the past; attendees: ..."
    parts = [translate(part.partition(": ")[2] or part) for part in message.split("; ")]
    if all(parts):
        return " ".join(parts)
    return Markup('<span lang="en">{}</span>').format(message)
