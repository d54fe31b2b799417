"""Free spaces for a time window, each with a quote."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from booking import rules
from booking.api.fields import AwareDateTime, Money
from booking.api.guard import PUBLIC, allow
from booking.api.sites import SpaceDocument
from booking.clock import utcnow
from booking.openapi import Blueprint
from booking.services import availability

blp = Blueprint("availability", __name__, url_prefix="/api/v1/availability", description="Search free spaces")


class AvailabilityArgs(Schema):
    start = AwareDateTime(required=True)
    end = AwareDateTime(required=True)
    attendees = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    site = fields.String()
    kind = fields.String()
    layout = fields.String()
    equipment = fields.List(fields.String(), load_default=list)


class QuoteSchema(Schema):
    excl_vat = Money()
    vat = Money()
    incl_vat = Money()
    vat_rate = fields.Constant("0.20")
    currency = fields.String()
    lines = fields.List(fields.String())


class QuoteDocument(fields.Nested):
    """Documented as QuoteSchema, serialized directly: a search carries a quote per offer."""

    def __init__(self, **kwargs):
        super().__init__(QuoteSchema, **kwargs)

    def _serialize(self, quote, attr, obj, **kwargs):
        return {
            "excl_vat": f"{quote.excl_vat:.2f}",
            "vat": f"{quote.vat:.2f}",
            "incl_vat": f"{quote.incl_vat:.2f}",
            "vat_rate": "0.20",
            "currency": quote.currency,
            "lines": list(quote.lines),
        }


class AgreedQuote(QuoteDocument):
    """The quote of an amount already agreed (a booking's price), documented as QuoteSchema."""

    def _serialize(self, amount, attr, obj, **kwargs):
        return super()._serialize(rules.quote_for_amount(amount), attr, obj, **kwargs)


class OfferSchema(Schema):
    space = SpaceDocument()
    quote = QuoteDocument()


@blp.route("")
class Availability(MethodView):
    @allow(PUBLIC)
    @blp.arguments(AvailabilityArgs, location="query")
    @blp.response(200, OfferSchema(many=True))
    def get(self, args):
        """Spaces free for the whole window, cheapest first, each with a quote (EUR)"""
        equipment = tuple(item for value in args.pop("equipment") for item in value.split(",") if item)
        return availability.find_free_spaces(now=utcnow(), equipment=equipment, **args)
