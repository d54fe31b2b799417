"""Alerts for venue staff: list, acknowledge, resolve."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from booking.api.fields import SiteTime
from booking.api.guard import STAFF, allow
from booking.auth import require_staff
from booking.models import AlertKind, AlertStatus
from booking.openapi import Blueprint
from booking.services import alerts

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts", description="What needs a person's attention (staff)")


class AlertSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    site = fields.Function(lambda a: a.space.site.slug)
    space = fields.Function(lambda a: a.space.slug)
    booking = fields.Integer(attribute="booking_id", allow_none=True)
    message = fields.String()
    detail = fields.Dict()
    raised_at = SiteTime("raised_at")
    last_seen_at = SiteTime("last_seen_at")
    acknowledged_at = SiteTime("acknowledged_at")
    acknowledged_by = fields.Function(lambda a: a.acknowledged_by.email if a.acknowledged_by else None)
    resolved_at = SiteTime("resolved_at")
    resolved_by = fields.Function(
        lambda a: (a.resolved_by.email if a.resolved_by else "system") if a.resolved_at else None
    )


class AlertArgs(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in AlertStatus]))
    open = fields.Boolean(load_default=False, data_key="open", metadata={"description": "raised or acknowledged"})
    kind = fields.String(validate=validate.OneOf([k.value for k in AlertKind]))
    site = fields.String()
    space = fields.String()
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


@blp.route("")
class Alerts(MethodView):
    @allow(STAFF)
    @blp.arguments(AlertArgs, location="query")
    @blp.response(200, AlertSchema(many=True))
    def get(self, args):
        """Alerts, newest first; filter by status, open, kind, site and space"""
        open_only = args.pop("open")
        return alerts.list_alerts(open_only=open_only, **args)


@blp.route("/<int:alert_id>")
class AlertDetail(MethodView):
    @allow(STAFF)
    @blp.response(200, AlertSchema)
    def get(self, alert_id):
        """One alert"""
        return alerts.get_alert(alert_id)


@blp.route("/<int:alert_id>/acknowledge")
class AlertAcknowledge(MethodView):
    @allow(STAFF)
    @blp.response(200, AlertSchema)
    @blp.alt_response(409, description="The alert is not raised")
    def post(self, alert_id):
        """Say someone is on it"""
        return alerts.acknowledge(require_staff(), alert_id)


@blp.route("/<int:alert_id>/resolve")
class AlertResolve(MethodView):
    @allow(STAFF)
    @blp.response(200, AlertSchema)
    @blp.alt_response(409, description="The alert is resolved already")
    def post(self, alert_id):
        """Close an alert"""
        return alerts.resolve(require_staff(), alert_id)
