"""Door and lobby displays (staff): create one (its address is in that answer only), list, revoke."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from booking.api.fields import Line
from booking.api.guard import STAFF, allow
from booking.auth import require_staff
from booking.openapi import Blueprint
from booking.services import displays

blp = Blueprint(
    "displays", __name__, url_prefix="/api/v1/displays",
    description="Door and lobby displays: wall tablets authorised by a revocable display token (staff)",
)  # fmt: skip


class DisplayIn(Schema):
    site = fields.String(required=True, validate=validate.Length(min=1, max=64))
    space = fields.String(
        load_default=None, validate=validate.Length(min=1, max=64),
        metadata={"description": "the space whose door it hangs by; without it, the site's lobby"},
    )  # fmt: skip
    name = Line(load_default="", max=100, metadata={"description": "where it hangs"})


class DisplayQuery(Schema):
    site = fields.String(validate=validate.Length(min=1, max=64))


class DisplaySchema(Schema):
    id = fields.Integer()
    site = fields.Function(lambda d: d.site.slug)
    space = fields.Function(lambda d: d.space.slug if d.space else None, metadata={"description": "null: a lobby"})
    name = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True, metadata={"description": "to the nearest 5 minutes"})
    revoked_at = fields.DateTime(allow_none=True)


class NewDisplaySchema(DisplaySchema):
    token = fields.String(metadata={"description": "shown once; only its SHA-256 is kept"})
    url = fields.String(metadata={"description": "the address to open on the tablet, token included"})


@blp.route("")
class Displays(MethodView):
    @allow(STAFF)
    @blp.arguments(DisplayQuery, location="query")
    @blp.response(200, DisplaySchema(many=True))
    def get(self, args):
        """Displays whose token still works, newest first"""
        return displays.list_displays(require_staff(), site=args.get("site"))

    @allow(STAFF)
    @blp.arguments(DisplayIn)
    @blp.response(201, NewDisplaySchema)
    def post(self, data):
        """Create a display token for a site's lobby or a space's door; the token is in this response only"""
        actor = require_staff()
        token, record = displays.create_display(data["site"], data["space"], name=data["name"], actor=actor)
        record.token = token
        base = displays.public_base(current_app.config, request.host_url)
        record.url = displays.display_url(record, token, base=base)
        return record


@blp.route("/<int:display_id>")
class DisplayDetail(MethodView):
    @allow(STAFF)
    @blp.response(204)
    def delete(self, display_id):
        """Revoke a display: its page says "not authorised" at its next refresh (within a minute)"""
        displays.revoke_display(display_id, actor=require_staff())
