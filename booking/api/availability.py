"""Free spaces for a time window, each with a quote."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from booking.api.fields import AwareDateTime, Money
from booking.api.guard import PUBLIC, allow
from booking.api.sites import SpaceDocument
from booking.clock import utcnow
from booking.openapi import Blueprint
from booking.quotes import money, quote_json
from booking.services import availability, extras

blp = Blueprint("availability", __name__, url_prefix="/api/v1/availability", description="Search free spaces")


class AvailabilityArgs(Schema):
    start = AwareDateTime(required=True)
    end = AwareDateTime(required=True)
    attendees = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    site = fields.String()
    kind = fields.String()
    layout = fields.String()
    equipment = fields.List(fields.String(), load_default=list)


class QuoteLineSchema(Schema):
    kind = fields.String(metadata={"description": "space, catering, technician, streaming or kit"})
    item = fields.String(allow_none=True, metadata={"description": "the service's slug; null for the space"})
    label = fields.String()
    quantity = fields.Integer()
    per = fields.String(metadata={"description": "what the quantity counts: person, hour or booking"})
    unit_price = Money()
    excl_vat = Money()
    vat_rate = Money(metadata={"description": "this line's VAT rate, e.g. 0.10 for food served on site"})
    vat = Money()
    incl_vat = Money()


class CancellationSchema(Schema):
    free_until = fields.String(metadata={"description": "cancelling is free until then (site time, ISO 8601)"})
    fee_percent = fields.Integer()
    fee = Money(metadata={"description": "what cancelling after free_until costs, excl. VAT"})


class QuoteSchema(Schema):
    excl_vat = Money()
    vat = Money(metadata={"description": "the sum of the lines' VAT"})
    incl_vat = Money()
    vat_rate = fields.Constant("0.20", metadata={"description": "the space's VAT rate; each line has its own"})
    currency = fields.String()
    lines = fields.List(fields.String())
    items = fields.List(fields.Nested(QuoteLineSchema), metadata={"description": "the space and each service"})
    cancellation = fields.Nested(CancellationSchema, allow_none=True)


class QuoteDocument(fields.Nested):
    """Documented as QuoteSchema, serialized directly: a search carries a quote per offer."""

    def __init__(self, **kwargs):
        super().__init__(QuoteSchema, **kwargs)

    def _serialize(self, quote, attr, obj, **kwargs):
        return quote_json(quote, obj.space.site.timezone)


class BookingQuote(QuoteDocument):
    """A booking's quote from what it agreed (its space's price and each service's), as QuoteSchema."""

    def _serialize(self, amount, attr, obj, **kwargs):
        return super()._serialize(extras.booking_quote(obj), attr, obj, **kwargs)


class OfferedServiceSchema(Schema):
    item = fields.Function(lambda s: s[0].slug)
    name = fields.Function(lambda s: s[0].name)
    kind = fields.Function(lambda s: s[0].kind)
    per = fields.Function(lambda s: s[0].per)
    unit_price = fields.Function(lambda s: money(s[0].price_excl_vat), metadata={"description": "excl. VAT"})
    vat_rate = fields.Function(lambda s: money(s[0].vat_rate))
    left = fields.Function(
        lambda s: s[1], allow_none=True,
        metadata={"description": "kits: how many are still free for the whole window; null: no stock to run out"},
    )  # fmt: skip


class OfferSchema(Schema):
    space = SpaceDocument()
    quote = QuoteDocument()
    services = fields.List(fields.Nested(OfferedServiceSchema), metadata={"description": "what may be added here"})


@blp.route("")
class Availability(MethodView):
    @allow(PUBLIC)
    @blp.arguments(AvailabilityArgs, location="query")
    @blp.response(200, OfferSchema(many=True))
    def get(self, args):
        """Spaces free for the whole window, cheapest first, each with a quote (EUR)"""
        equipment = tuple(item for value in args.pop("equipment") for item in value.split(",") if item)
        return availability.find_free_spaces(now=utcnow(), equipment=equipment, **args)
