"""iCalendar: private feed URLs for calendar apps, their management page, and one booking as .ics."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from booking import ical
from booking.directions import directions, location
from booking.models import Booking, FeedScope, User
from booking.services import availability, bookings, feeds
from booking.web.formatting import clock
from booking.web.forms import ActionForm, FeedForm, options
from booking.web.guards import signed_in, viewer
from booking.web.labels import status_label
from booking.web.nav import page_blueprint

bp = page_blueprint("feeds", __name__)
ICS = "text/calendar; charset=utf-8"


def event_of(booking: Booking, viewer_can_see: bool, reader: User) -> ical.CalendarEvent:
    """A booking as a calendar event; another company's is only "Busy", for its whole block."""
    space, site = booking.space, booking.space.site
    if not viewer_can_see:
        return ical.CalendarEvent(
            uid=ical.booking_uid(booking.id), start=booking.block_start, end=booking.block_end,
            summary=_("Busy"), status=booking.status, sequence=booking.version, stamp=booking.updated_at,
            location=f"{space.name}, {site.name}",
        )  # fmt: skip
    summary = booking.title if not reader.is_staff else f"{booking.title} · {booking.organisation.name}"
    lines = [
        _("Status: %(status)s", status=status_label(booking.status)),
        _("Company: %(name)s", name=booking.organisation.name),
        _("Attendees: %(count)s", count=booking.attendees),
    ]
    if booking.block_start < booking.start_at or booking.block_end > booking.end_at:
        lines.append(
            _(
                "The space is blocked for setup and teardown from %(start)s to %(end)s.",
                start=clock(booking.block_start, site.timezone),
                end=clock(booking.block_end, site.timezone),
            )
        )
    if booking.online_attendees:
        lines.append(_("Online: %(count)s", count=booking.online_attendees))
    if booking.streaming_link:  # only here: another company's event is "Busy" and nothing more
        lines.append(_("Streaming link: %(link)s", link=booking.streaming_link))
    if booking.services:
        lines.append(_("Services: %(list)s", list=", ".join(f"{s.item.name} × {s.quantity}" for s in booking.services)))
    if booking.notes:
        lines.append(booking.notes)
    lines.extend(directions(site))
    return ical.CalendarEvent(
        uid=ical.booking_uid(booking.id), start=booking.start_at, end=booking.end_at, summary=summary,
        status=booking.status, sequence=booking.version, stamp=booking.updated_at,
        location=location(space, site), description="\n".join(lines),
    )  # fmt: skip


@bp.get("/feeds/<token>.ics")
def feed(token: str):
    """A private feed for calendar apps: no sign-in, the token in the URL is the key."""
    found = feeds.read_feed(token)
    # calendar apps poll: when no booking changed, answer 304 without building the feed again
    locale = found.owner.locale or "fr"
    version = ";".join(f"{e.booking.id}:{e.booking.version}:{int(e.visible)}" for e in found.entries)
    # ical.FORM changes when the way documents are written does: a calendar that kept a feed
    # written the old way (the VTIMEZONE that put summer an hour off) must get the new one
    etag = hashlib.sha256(f"{ical.FORM}|{locale}|{found.name}|{version}".encode()).hexdigest()[:32]
    headers = {"Cache-Control": "private, max-age=300"}
    if etag in request.if_none_match:
        return Response(status=304, headers=headers | {"ETag": f'"{etag}"'})
    # written in its owner's language: a calendar app sends no useful Accept-Language
    with force_locale(locale):
        events = [event_of(entry.booking, entry.visible, found.owner) for entry in found.entries]
        body = ical.calendar(found.name, events, timezone=found.timezone, refresh=feeds.REFRESH)
    response = Response(body, headers=headers | {"Content-Type": ICS})
    response.set_etag(etag)
    return response


@bp.get("/bookings/<int:booking_id>.ics")
@signed_in
def booking_ics(booking_id: int):
    """One booking to add to a calendar."""
    booking = bookings.get_booking(viewer(), booking_id)
    body = ical.calendar(
        booking.title, [event_of(booking, True, viewer())], timezone=booking.space.site.timezone, method="PUBLISH"
    )
    return Response(
        body,
        headers={"Content-Type": ICS, "Content-Disposition": f'attachment; filename="booking-{booking.id}.ics"'},
    )


def feed_choices(user: User) -> list[tuple[str, str]]:
    choices = []
    if user.organisation is not None:
        choices.append(("organisation:", _("All bookings of %(company)s", company=user.organisation.name)))
    for site in availability.sites():
        choices.append((f"site:{site.slug}", _("Site: %(site)s", site=site.name)))
        for space in site.spaces:
            if space.active:
                choices.append((f"space:{site.slug}/{space.slug}", f"— {space.name} · {site.name}"))
    return choices


def feed_url(token: str) -> str:
    base = current_app.config.get("FEED_BASE_URL") or request.host_url.rstrip("/")
    return base.rstrip("/") + url_for("feeds.feed", token=token)


@bp.route("/feeds", methods=["GET", "POST"])
@signed_in
def index():
    """Your calendar feeds: subscribe a calendar app to a site, a space or your company's bookings."""
    user = viewer()
    form = FeedForm()
    form.target.choices = options(feed_choices(user))
    new_url = None
    if form.validate_on_submit():
        kind, _sep, target = form.target.data.partition(":")
        site, _sep, space = target.partition("/")
        token, _record = feeds.create_feed(user, FeedScope(kind), site=site or None, space=space or None)
        new_url = feed_url(token)
    return render_template(
        "feeds/index.html", form=form, feeds=feeds.list_feeds(user), new_url=new_url, revoke=ActionForm()
    ), (422 if form.errors else 200)


@bp.post("/feeds/<int:feed_id>/revoke")
@signed_in
def revoke(feed_id: int):
    """Stop a feed URL from working, at once and for good."""
    feeds.revoke_feed(viewer(), feed_id, now=datetime.now(UTC))
    flash(_("The feed was revoked: its address no longer works."), "success")
    return redirect(url_for("feeds.index"))
