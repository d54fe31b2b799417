"""Webhooks: register URLs for booking, alert and waitlist events.

Each request is a POST of ``{"id", "type", "created_at", "data"}`` with the headers
``Webhook-Id`` (the event's id: the same on every retry, deduplicate on it),
``Webhook-Timestamp`` (Unix seconds) and ``Webhook-Signature: v1=<hex>``, the
HMAC-SHA256 of ``"<Webhook-Timestamp>.<raw body>"`` keyed with the endpoint's secret.
Answer 2xx within the timeout; anything else is retried with exponential backoff,
then marked failed. Redirects are not followed; private addresses are refused.
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from booking.api.fields import Line
from booking.api.guard import SIGNED_IN, allow
from booking.auth import require_user
from booking.openapi import Blueprint
from booking.services import webhooks

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description=__doc__)


class WebhookIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000), metadata={"format": "uri"})
    events = fields.List(
        # the service checks them (services/webhooks.py); the document lists them
        fields.String(validate=validate.Length(min=1, max=60), metadata={"enum": list(webhooks.EVENT_PATTERNS)}),
        load_default=lambda: ["booking.*", "alert.*", "waitlist.*"],
        validate=validate.Length(min=1, max=20),
        metadata={"description": "event kinds, with wildcards: booking.*, booking.cancel, alert.raised..."},
    )
    description = Line(load_default="", max=200)


class WebhookSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String()
    scope = fields.Function(lambda w: w.organisation.slug if w.organisation else "venue")
    created_at = fields.DateTime()


class WebhookCreated(WebhookSchema):
    secret = fields.String(metadata={"description": "shown once: verify Webhook-Signature with it"})


class DeliverySchema(Schema):
    id = fields.Integer()
    event = fields.Function(lambda d: d.event.uid)
    type = fields.Function(lambda d: d.event.kind)
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String()
    delivered_at = fields.DateTime(allow_none=True)


@blp.route("")
class Webhooks(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, WebhookSchema(many=True))
    def get(self):
        """Your company's webhooks (staff: the venue's)"""
        return webhooks.list_endpoints(require_user())

    @allow(SIGNED_IN)
    @blp.arguments(WebhookIn)
    @blp.response(201, WebhookCreated)
    def post(self, data):
        """Register a URL; the response holds the signing secret, shown once"""
        endpoint = webhooks.register(require_user(), data["url"], data["events"], description=data["description"])
        return endpoint, 201, {"Location": f"/api/v1/webhooks/{endpoint.id}"}


@blp.route("/<int:endpoint_id>")
class WebhookDetail(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, WebhookSchema)
    def get(self, endpoint_id):
        """One webhook"""
        return webhooks.get_endpoint(require_user(), endpoint_id)

    @allow(SIGNED_IN)
    @blp.response(204)
    def delete(self, endpoint_id):
        """Stop calling this URL"""
        webhooks.remove(require_user(), endpoint_id)


@blp.route("/<int:endpoint_id>/deliveries")
class WebhookDeliveries(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, DeliverySchema(many=True))
    def get(self, endpoint_id):
        """The latest deliveries to this URL, newest first: what was sent, what came back"""
        return webhooks.recent_deliveries(require_user(), endpoint_id)
