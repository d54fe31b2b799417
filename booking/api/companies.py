"""Companies that signed up on their own: staff list those waiting and approve or decline them."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from booking.api.guard import STAFF, allow
from booking.auth import require_staff
from booking.openapi import Blueprint
from booking.services import signup

blp = Blueprint("companies", __name__, url_prefix="/api/v1/organisations", description=__doc__)


class CompanySchema(Schema):
    slug = fields.String()
    name = fields.String()
    status = fields.String(metadata={"enum": ["pending", "active", "declined"]})
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2"})
    vat_number = fields.String()
    billing_address = fields.String()
    created_at = fields.DateTime()


@blp.route("/pending")
class PendingCompanies(MethodView):
    @allow(STAFF)
    @blp.response(200, CompanySchema(many=True))
    def get(self):
        """Companies awaiting approval, once someone confirmed their address (staff)"""
        return signup.pending_companies()


@blp.route("/<slug>/approve")
class ApproveCompany(MethodView):
    @allow(STAFF)
    @blp.response(200, CompanySchema)
    def post(self, slug):
        """Approve a company: its waiting bookings go ahead where the space needs no approval (staff)"""
        return signup.decide(require_staff(), slug, True)


@blp.route("/<slug>/decline")
class DeclineCompany(MethodView):
    @allow(STAFF)
    @blp.response(200, CompanySchema)
    def post(self, slug):
        """Decline a company: its waiting bookings are rejected (staff)"""
        return signup.decide(require_staff(), slug, False)
