"""Calendar feeds: private iCalendar URLs an integrator subscribes a calendar to, without a browser."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from booking.api.guard import SIGNED_IN, allow
from booking.auth import require_user
from booking.models import FeedScope
from booking.openapi import Blueprint
from booking.services import feeds
from booking.web.feeds import feed_url

blp = Blueprint(
    "calendar_feeds", __name__, url_prefix="/api/v1",
    description="Calendar feeds: private .ics URLs that Outlook, Google Calendar or Thunderbird subscribe to",
)  # fmt: skip


class FeedIn(Schema):
    scope = fields.String(
        required=True,
        validate=validate.OneOf([scope.value for scope in FeedScope]),
        metadata={"description": "organisation: your company's bookings; site or space: everything booked there"},
    )
    site = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "site and space scopes"})
    space = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "space scope"})

    @validates_schema
    def where(self, data, **kwargs):
        needed = {"organisation": (), "site": ("site",), "space": ("site", "space")}.get(data.get("scope"), ())
        for name in needed:
            if name not in data:
                raise ValidationError(f"a {data['scope']} feed names its {name}", field_name=name)
        for name in {"site", "space"} - set(needed):
            if name in data:
                raise ValidationError(f"a {data['scope']} feed has no {name}", field_name=name)


class FeedSchema(Schema):
    id = fields.Integer()
    scope = fields.String()
    organisation = fields.Function(lambda f: f.organisation.slug if f.organisation else None)
    site = fields.Function(lambda f: f.site.slug if f.site else None)
    space = fields.Function(lambda f: f.space.slug if f.space else None)
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True, metadata={"description": "last fetched by a calendar app"})


class NewFeedSchema(FeedSchema):
    token = fields.String(metadata={"description": "shown once; only its SHA-256 is kept"})
    url = fields.String(metadata={"description": "the address to subscribe to (shown once, like the token)"})


@blp.route("/feeds")
class Feeds(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, FeedSchema(many=True))
    def get(self):
        """Your calendar feeds that still work, newest first"""
        return feeds.list_feeds(require_user())

    @allow(SIGNED_IN)
    @blp.arguments(FeedIn)
    @blp.response(201, NewFeedSchema)
    def post(self, data):
        """Create a private feed URL; the token and URL are in this response only"""
        token, record = feeds.create_feed(
            require_user(), FeedScope(data["scope"]), site=data.get("site"), space=data.get("space")
        )
        record.token, record.url = token, feed_url(token)
        return record


@blp.route("/feeds/<int:feed_id>")
class FeedDetail(MethodView):
    @allow(SIGNED_IN)
    @blp.response(204)
    def delete(self, feed_id):
        """Revoke a feed URL: calendar apps get 404 from then on"""
        feeds.revoke_feed(require_user(), feed_id)
