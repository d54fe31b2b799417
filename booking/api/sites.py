"""Sites, their spaces, and a site's calendar of bookings."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from booking import access
from booking.api.fields import AwareDateTime, Money, local_iso
from booking.api.guard import PUBLIC, SIGNED_IN, allow
from booking.auth import require_user
from booking.openapi import Blueprint
from booking.services import availability, bookings, catalog

blp = Blueprint("sites", __name__, url_prefix="/api/v1/sites", description="The venues and their spaces")


class RatesSchema(Schema):
    hour = Money(attribute="rate_hour")
    half_day = Money(attribute="rate_half_day")
    day = Money(attribute="rate_day")
    currency = fields.Constant("EUR")
    vat_included = fields.Constant(False)


# one instance: building a Schema deep-copies its fields, too slow to do per space in a search
RATES = RatesSchema()


class SpaceSchema(Schema):
    slug = fields.String()
    site = fields.Function(lambda s: s.site.slug)
    name = fields.String()
    kind = fields.String()
    profile = fields.String()
    area_m2 = fields.Integer(allow_none=True)
    capacities = fields.Dict(keys=fields.String(), values=fields.Integer())
    equipment = fields.List(fields.String())
    opening_hours = fields.Function(lambda s: s.hours)
    setup_minutes = fields.Integer()
    teardown_minutes = fields.Integer()
    min_minutes = fields.Integer()
    max_minutes = fields.Integer()
    max_days_ahead = fields.Integer()
    requires_approval = fields.Boolean()
    rates = fields.Function(lambda s: RATES.dump(s))
    description = fields.String()


def space_document(space) -> dict:
    """What SpaceSchema dumps, built directly: a search answers with a hundred spaces or more,
    and marshmallow's per-field machinery was most of its time. A test keeps the two equal."""
    return {
        "slug": space.slug,
        "site": space.site.slug,
        "name": space.name,
        "kind": space.kind,
        "profile": space.profile,
        "area_m2": space.area_m2,
        "capacities": dict(space.capacities),
        "equipment": list(space.equipment),
        "opening_hours": space.hours,
        "setup_minutes": space.setup_minutes,
        "teardown_minutes": space.teardown_minutes,
        "min_minutes": space.min_minutes,
        "max_minutes": space.max_minutes,
        "max_days_ahead": space.max_days_ahead,
        "requires_approval": space.requires_approval,
        "rates": {
            "hour": f"{space.rate_hour:.2f}",
            "half_day": f"{space.rate_half_day:.2f}",
            "day": f"{space.rate_day:.2f}",
            "currency": "EUR",
            "vat_included": False,
        },
        "description": space.description,
    }


class SpaceDocument(fields.Nested):
    """Documented as SpaceSchema, serialized by space_document()."""

    def __init__(self, **kwargs):
        super().__init__(SpaceSchema, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else space_document(value)


class SiteSchema(Schema):
    slug = fields.String()
    name = fields.String()
    city = fields.String()
    address = fields.String()
    timezone = fields.String()
    description = fields.String()
    spaces = fields.Function(lambda s: [sp.slug for sp in s.spaces if sp.active])


class WindowArgs(Schema):
    start = AwareDateTime(required=True)
    end = AwareDateTime(required=True)


class CalendarEntrySchema(Schema):
    """A booking as the site calendar shows it; another company's is only a busy block."""

    id = fields.Integer(allow_none=True)
    space = fields.String()
    start = fields.String()
    end = fields.String()
    busy = fields.Boolean()
    title = fields.String()
    status = fields.String()
    organisation = fields.String()


@blp.route("")
class Sites(MethodView):
    @allow(PUBLIC)
    @blp.response(200, SiteSchema(many=True))
    def get(self):
        """List the venues"""
        return availability.sites()


@blp.route("/<site>")
class SiteDetail(MethodView):
    @allow(PUBLIC)
    @blp.response(200, SiteSchema)
    def get(self, site):
        """One venue"""
        return catalog.get_site(site)


@blp.route("/<site>/spaces")
class Spaces(MethodView):
    @allow(PUBLIC)
    @blp.response(200, SpaceSchema(many=True))
    def get(self, site):
        """List a venue's bookable spaces"""
        return [space for space in catalog.get_site(site).spaces if space.active]


@blp.route("/<site>/spaces/<space>")
class SpaceDetail(MethodView):
    @allow(PUBLIC)
    @blp.response(200, SpaceSchema)
    def get(self, site, space):
        """One space: capacities per layout, equipment, hours, rates"""
        return catalog.get_space(site, space)


@blp.route("/<site>/bookings")
class SiteCalendar(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(WindowArgs, location="query")
    @blp.response(200, CalendarEntrySchema(many=True))
    def get(self, window, site):
        """A venue's bookings in a window; other companies' appear as busy blocks only"""
        actor = require_user()
        tz = catalog.get_site(site).timezone
        entries = []
        for booking in bookings.site_calendar(site, window["start"], window["end"]):
            entry = {
                "space": booking.space.slug,
                "start": local_iso(booking.start_at, tz),
                "end": local_iso(booking.end_at, tz),
                "busy": True,
            }
            if access.may_see(actor, booking.organisation_id):
                entry.update(
                    id=booking.id,
                    title=booking.title,
                    status=booking.status,
                    organisation=booking.organisation.slug,
                )
            entries.append(entry)
        return entries
