"""Bookings: create (once, as a series, or as a roadshow), read, reschedule, and transitions."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from booking import rules
from booking.api.availability import BookingQuote, QuoteSchema
from booking.api.fields import AwareDateTime, Line, Money, Paragraphs, SiteTime, StrictBoolean, local_iso
from booking.api.guard import SIGNED_IN, STAFF, allow
from booking.auth import require_user
from booking.errors import Invalid, PreconditionRequired
from booking.openapi import PROBLEM_CONTENT_TYPE, Blueprint, ProblemSchema
from booking.quotes import quote_json
from booking.rules import Problem
from booking.services import bookings, extras, series
from booking.services.bookings import BookingRequest

blp = Blueprint("bookings", __name__, url_prefix="/api/v1", description="Book spaces and manage bookings")

Title = Line(required=True, min=1, max=200)


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": 'the ETag of the booking as you read it (GET), e.g. "3": an edit made since is a 412',
    "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,9}"?$'},
}


def _link(path: str, method: str, **parameters: str) -> dict:
    """An OpenAPI link from a new booking to an operation on it: its id, from the answer's body."""
    ref = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{ref}/{method}", "parameters": {"booking_id": "$response.body#/id", **parameters}}


# Where a client goes from a booking just made; schemathesis' stateful phase follows them too.
BOOKING_LINKS = {
    "GetBooking": _link("/api/v1/bookings/{booking_id}", "get"),
    "EditBooking": _link("/api/v1/bookings/{booking_id}", "patch", **{"header.If-Match": "$response.header.ETag"}),
    "BookingEvents": _link("/api/v1/bookings/{booking_id}/events", "get"),
    **{
        f"{action.title().replace('-', '')}Booking": _link(f"/api/v1/bookings/{{booking_id}}/{action}", "post")
        for action in ("confirm", "cancel", "check-in", "approve", "reject")
    },
}


class ServiceIn(Schema):
    item = fields.String(
        required=True, validate=validate.Length(min=1, max=64), metadata={"description": "e.g. dejeuner"}
    )
    quantity = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=10_000),
        metadata={"description": "people for catering, hours for a technician, 1 for a package, kits"},
    )  # fmt: skip


class LegSchema(Schema):
    site = fields.String(required=True, validate=validate.Length(min=1, max=64))
    space = fields.String(required=True, validate=validate.Length(min=1, max=64))
    start = AwareDateTime(required=True)
    end = AwareDateTime(required=True)
    attendees = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10_000))
    layout = Line(max=40)
    services = fields.List(fields.Nested(ServiceIn), load_default=list, validate=validate.Length(max=20))
    online_attendees = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(min=0, max=100_000),
        metadata={"description": "people online (needs the streaming package); attendees come on site"},
    )  # fmt: skip

    @validates_schema
    def end_after_start(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError("must be after start", field_name="end")


class BookingIn(LegSchema):
    title = Title
    notes = Paragraphs(load_default="", max=2000)
    hold = StrictBoolean(load_default=False, metadata={"description": "keep the slot for a while, confirm later"})
    organisation = fields.String(metadata={"description": "staff only: the company booked for"})
    streaming_link = fields.String(
        validate=[validate.Length(max=500), validate.URL(schemes={"https", "http"})], allow_none=True,
        metadata={"description": "where people online follow the event; seen by the booker and staff only"},
    )  # fmt: skip
    rrule = fields.String(
        validate=validate.Length(max=500), metadata={"description": "RFC 5545 RRULE, e.g. FREQ=WEEKLY;COUNT=6"}
    )
    conflicts = fields.String(
        load_default="fail",
        validate=validate.OneOf(["fail", "skip"]),
        metadata={"description": "series only: fail (all or nothing) or skip the dates that conflict"},
    )


class RoadshowIn(Schema):
    title = Title
    legs = fields.List(fields.Nested(LegSchema), required=True, validate=validate.Length(min=1, max=20))
    hold = StrictBoolean(load_default=False)
    organisation = fields.String()


SCOPE_DESCRIPTION = (
    "series only: `this` date alone, or this date and every `following` one of its series "
    "(moved by the same shift on the site's clock, re-titled alike); the other dates are untouched"
)


def scope_field() -> fields.String:
    return fields.String(
        load_default=series.Scope.THIS, validate=validate.OneOf([s.value for s in series.Scope]),
        metadata={"description": SCOPE_DESCRIPTION},
    )  # fmt: skip


class BookingPatch(Schema):
    scope = scope_field()
    start = AwareDateTime()
    end = AwareDateTime()
    attendees = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000))
    layout = Line(max=40, allow_none=True)
    title = Line(min=1, max=200)
    notes = Paragraphs(max=2000)
    streaming_link = fields.String(
        validate=[validate.Length(max=500), validate.URL(schemes={"https", "http"})], allow_none=True,
        metadata={"description": "where people online follow the event; seen by the booker and staff only"},
    )  # fmt: skip
    services = fields.List(
        fields.Nested(ServiceIn), validate=validate.Length(max=20),
        metadata={"description": (
            "every service the booking carries after the change ([] for none), checked as when booking: "
            "kits against the stock left then (its own kits do not count against it); services it keeps "
            "stay at the price agreed, new ones are at today's price. Not for a booking that took place"
        )},
    )  # fmt: skip
    online_attendees = fields.Integer(
        strict=True, validate=validate.Range(min=0, max=100_000),
        metadata={"description": "people online (needs the streaming package among the services)"},
    )  # fmt: skip


class TransitionIn(Schema):
    reason = Paragraphs(load_default="", max=500)


class CancelIn(TransitionIn):
    scope = scope_field()


class ListArgs(Schema):
    start = AwareDateTime()
    end = AwareDateTime()
    site = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in bookings.Status]))
    organisation = fields.String()
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


def _tz(booking) -> str:
    return booking.space.site.timezone


class BookingSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    site = fields.Function(lambda b: b.space.site.slug)
    space = fields.Function(lambda b: b.space.slug)
    title = fields.String()
    attendees = fields.Integer()
    layout = fields.String(allow_none=True)
    notes = fields.String()
    organisation = fields.Function(lambda b: b.organisation.slug)
    start = SiteTime("start_at")
    end = SiteTime("end_at")
    setup_from = SiteTime("block_start")
    teardown_until = SiteTime("block_end")
    hold_expires_at = SiteTime("hold_expires_at")
    checked_in_at = SiteTime("checked_in_at")
    quote = BookingQuote(attribute="price_excl_vat")
    services = fields.List(fields.Nested("BookedServiceSchema"))
    online_attendees = fields.Integer()
    streaming_link = fields.String(allow_none=True)
    cancellation_fee = Money(allow_none=True, metadata={"description": "what cancelling cost, excl. VAT"})
    group = fields.Function(lambda b: {"id": b.group.id, "kind": b.group.kind} if b.group else None)
    version = fields.Integer()
    created_at = SiteTime("created_at")
    updated_at = SiteTime("updated_at")


class BookedServiceSchema(Schema):
    item = fields.Function(lambda s: s.item.slug)
    name = fields.Function(lambda s: s.item.name)
    kind = fields.Function(lambda s: s.item.kind)
    per = fields.Function(lambda s: s.item.per)
    quantity = fields.Integer()


class SeriesOut(BookingSchema):
    """The first booking of the series, plus the series itself."""

    series = fields.Dict()


class RoadshowOut(Schema):
    id = fields.Integer()
    title = fields.String()
    bookings = fields.List(fields.Nested(BookingSchema))
    quote = fields.Nested(QuoteSchema)


class EventSchema(Schema):
    at = fields.DateTime()
    actor = fields.Function(lambda e: e.actor.email if e.actor else "system")
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    detail = fields.Dict()


def booking_request(data: dict) -> BookingRequest:
    return BookingRequest(
        site=data["site"], space=data["space"], start=data["start"], end=data["end"],
        title=data.get("title", ""), attendees=data["attendees"], layout=data.get("layout"),
        notes=data.get("notes", ""), services=tuple((s["item"], s["quantity"]) for s in data.get("services", ())),
        online_attendees=data.get("online_attendees", 0), streaming_link=data.get("streaming_link"),
    )  # fmt: skip


def _etag(booking) -> dict:
    return {"ETag": f'"{booking.version}"'}


@blp.route("/bookings")
class Bookings(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(ListArgs, location="query")
    @blp.response(200, BookingSchema(many=True))
    def get(self, args):
        """Bookings you may see in full: your company's, or all of them for staff"""
        return bookings.list_bookings(require_user(), **args)

    @allow(SIGNED_IN)
    @blp.arguments(BookingIn())  # an instance: webargs would build one per request from a class
    @blp.doc(responses={201: {"links": BOOKING_LINKS}})
    @blp.response(201, SeriesOut)
    @blp.alt_response(
        409, schema=ProblemSchema, content_type=PROBLEM_CONTENT_TYPE,
        description="The space is taken: `conflicts` says when, `alternatives` what is free instead (with quotes)",
    )  # fmt: skip
    def post(self, data):
        """Book a space, once or as a recurring series (rrule)"""
        actor = require_user()
        req = booking_request(data)
        if not data.get("rrule"):
            booking = bookings.book(
                actor, req, hold=data["hold"], organisation=data.get("organisation"), suggest=True
            )
            return booking, 201, {"Location": f"/api/v1/bookings/{booking.id}", **_etag(booking)}
        result = bookings.book_series(
            actor, req, data["rrule"], skip_conflicts=data["conflicts"] == "skip",
            hold=data["hold"], organisation=data.get("organisation"),
        )  # fmt: skip
        first = result.bookings[0]
        tz = _tz(first)
        first.series = {
            "id": result.group.id,
            "rrule": result.group.rrule,
            "occurrences": BookingSchema(many=True).dump(result.bookings),
            "skipped": [
                {
                    "date": s.date.isoformat(),
                    "start": local_iso(s.start, tz),
                    "end": local_iso(s.end, tz),
                    "reason": s.reason,
                    "problems": [p.as_json() for p in s.problems],
                }
                for s in result.skipped
            ],
            "quote": quote_json(rules.sum_quotes(extras.booking_quote(b) for b in result.bookings), tz),
        }
        return first, 201, {"Location": f"/api/v1/bookings/{first.id}"}


@blp.route("/roadshows")
class Roadshows(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(RoadshowIn)
    @blp.response(201, RoadshowOut)
    @blp.alt_response(409, description="A leg is taken; nothing was booked")
    def post(self, data):
        """Book several spaces across sites at once: all legs or none"""
        legs = [booking_request(dict(leg, title=data["title"])) for leg in data["legs"]]
        group, booked = bookings.book_roadshow(
            require_user(), data["title"], legs, hold=data["hold"], organisation=data.get("organisation")
        )
        total = rules.sum_quotes(extras.booking_quote(b) for b in booked)
        return {"id": group.id, "title": group.title, "bookings": booked, "quote": quote_json(total, _tz(booked[0]))}


@blp.route("/bookings/<int:booking_id>")
class BookingDetail(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, BookingSchema)
    def get(self, booking_id):
        """One booking; the ETag header is what PATCH's If-Match expects"""
        booking = bookings.get_booking(require_user(), booking_id)
        return booking, 200, _etag(booking)

    @allow(SIGNED_IN)
    @blp.arguments(BookingPatch)
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, BookingSchema)
    @blp.alt_response(
        409, description=(
            "The slot, or a date of the series, is taken (`conflicts` says when); a kit is out of stock then "
            "(`out_of_stock`, `params.item` names it); the booking is no longer active (`wrong_status`) or "
            "took place (`already_took_place`)"
        ),
    )  # fmt: skip
    @blp.alt_response(412, description="The booking changed since you read it")
    @blp.alt_response(428, description="Send If-Match with the ETag you read")
    def patch(self, changes, booking_id):
        """Reschedule or edit a booking, its services and people online, or its series from this date on (If-Match)"""
        actor = require_user()
        version = _if_match()
        scope = changes.pop("scope")
        booking = series.change_dates(actor, booking_id, changes, version=version, scope=scope)
        return booking, 200, _etag(booking)


def _if_match() -> int:
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired("send If-Match with the ETag from GET, so edits cannot overwrite each other")
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise Invalid([Problem("If-Match", 'not an ETag of this API, e.g. "3"')])
    return int(value)


def _transition_view(action: str, summary: str):
    def post(self, data, booking_id):
        if action == "cancel":
            booking = series.cancel_dates(require_user(), booking_id, scope=data["scope"], reason=data["reason"])
        else:
            booking = bookings.transition(require_user(), booking_id, action, reason=data["reason"])
        return booking, 200, _etag(booking)

    post.__doc__ = summary
    view = type(f"Booking{action.title()}", (MethodView,), {"post": post})
    schema = CancelIn if action == "cancel" else TransitionIn
    view.post = allow(STAFF if action in rules.STAFF_ONLY_ACTIONS else SIGNED_IN)(
        blp.alt_response(409, description="Not allowed from the booking's status")(
            blp.response(200, BookingSchema)(blp.arguments(schema, required=False)(view.post))
        )
    )
    blp.route(f"/bookings/<int:booking_id>/{action}", endpoint=f"booking_{action}")(view)


for _action, _summary in (
    ("confirm", "Confirm a hold (goes to pending where the space needs approval)"),
    ("approve", "Approve a pending booking (staff)"),
    ("reject", "Reject a pending booking (staff)"),
    ("cancel", "Cancel a booking, or its series from this date on (scope)"),
):
    _transition_view(_action, _summary)


@blp.route("/bookings/<int:booking_id>/events")
class BookingEvents(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, EventSchema(many=True))
    def get(self, booking_id):
        """A booking's audit trail: every change, who made it and when"""
        return bookings.get_booking(require_user(), booking_id).events
