"""The waitlist: ask for a taken slot; a hold is made for you when it frees."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from booking.api.bookings import LegSchema, Title, booking_request
from booking.api.fields import AwareDateTime, SiteTime
from booking.api.guard import SIGNED_IN, allow
from booking.auth import require_user
from booking.models import WaitStatus
from booking.openapi import Blueprint
from booking.services import waitlist

blp = Blueprint("waitlist", __name__, url_prefix="/api/v1/waitlist", description="Wait for a taken slot")


class WaitlistIn(LegSchema):
    title = Title
    organisation = fields.String(metadata={"description": "staff only: the company waiting"})


class WaitlistEntrySchema(Schema):
    id = fields.Integer()
    status = fields.String()
    site = fields.Function(lambda e: e.space.site.slug)
    space = fields.Function(lambda e: e.space.slug)
    organisation = fields.Function(lambda e: e.organisation.slug)
    title = fields.String()
    attendees = fields.Integer()
    layout = fields.String(allow_none=True)
    start = SiteTime("start_at")
    end = SiteTime("end_at")
    booking = fields.Integer(attribute="booking_id", allow_none=True, metadata={"description": "the hold offered"})
    created_at = SiteTime("created_at")
    offered_at = SiteTime("offered_at")


class WaitlistArgs(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in WaitStatus]))
    start = AwareDateTime(metadata={"description": "slots ending after this"})
    end = AwareDateTime(metadata={"description": "slots starting before this"})
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


@blp.route("")
class Waitlist(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(WaitlistArgs, location="query")
    @blp.response(200, WaitlistEntrySchema(many=True))
    def get(self, args):
        """Your company's waitlist entries (staff: everyone's)"""
        return waitlist.list_entries(require_user(), **args)

    @allow(SIGNED_IN)
    @blp.arguments(WaitlistIn)
    @blp.response(201, WaitlistEntrySchema)
    @blp.alt_response(409, description="The slot is free: book it instead")
    def post(self, data):
        """Wait for a taken slot; when it frees, you get a hold and a `waitlist.offered` event"""
        entry = waitlist.join(require_user(), booking_request(data), organisation=data.get("organisation"))
        return entry, 201, {"Location": f"/api/v1/waitlist/{entry.id}"}


@blp.route("/<int:entry_id>")
class WaitlistEntry(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, WaitlistEntrySchema)
    def get(self, entry_id):
        """One waitlist entry"""
        return waitlist.get_entry(require_user(), entry_id)

    @allow(SIGNED_IN)
    @blp.response(200, WaitlistEntrySchema)
    def delete(self, entry_id):
        """Leave the waitlist: the entry is cancelled, not deleted

        It stays listed with status `cancelled` (GET answers it still), and this answer is the
        entry as it now is: a 200 with a body, not a 204.
        """
        return waitlist.cancel(require_user(), entry_id)
