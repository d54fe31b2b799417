"""The sensor registry and its health, for venue staff."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from booking import presence
from booking.api.fields import SiteTime
from booking.api.guard import STAFF, allow
from booking.infra import dbtypes
from booking.openapi import Blueprint
from booking.services import sensors

blp = Blueprint("sensors", __name__, url_prefix="/api/v1/sensors", description="Occupancy sensors (staff)")


class SensorIn(Schema):
    sensor = fields.String(
        required=True,
        metadata={"description": "its id: the <sensor> level of its topics", "pattern": f"^{sensors.SLUG.pattern}$"},
    )
    site = fields.String(required=True)
    space = fields.String(required=True)
    kind = fields.String(load_default=presence.COUNTER, validate=validate.OneOf(presence.KINDS))
    format = fields.String(load_default="native", validate=validate.OneOf(presence.FORMATS))
    topic = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "a Zigbee2MQTT friendly name, or the full topic of a device that cannot use ours"},
    )
    interval_seconds = fields.Integer(
        load_default=60,
        validate=validate.Range(sensors.MIN_INTERVAL, sensors.MAX_INTERVAL),
        metadata={"description": "how often it reports"},
    )


class SensorPatch(Schema):
    site = fields.String()
    space = fields.String()
    kind = fields.String(validate=validate.OneOf(presence.KINDS))
    format = fields.String(validate=validate.OneOf(presence.FORMATS))
    topic = fields.String(allow_none=True)
    interval_seconds = fields.Integer(validate=validate.Range(sensors.MIN_INTERVAL, sensors.MAX_INTERVAL))


class SensorSchema(Schema):
    sensor = fields.String(attribute="slug")
    site = fields.Function(lambda s: s.space.site.slug)
    space = fields.Function(lambda s: s.space.slug)
    kind = fields.String()
    format = fields.String()
    topic = fields.String(allow_none=True)
    interval_seconds = fields.Integer()
    status = fields.String(metadata={"description": "online / offline from its status topic, or unknown"})
    health = fields.Function(
        lambda s: sensors.sensor_health(s, datetime.now(UTC)),
        metadata={"description": "healthy, stale (missed several intervals) or offline"},
    )
    last_seen_at = SiteTime("last_seen_at")
    battery = fields.Integer(allow_none=True)
    count = fields.Integer(allow_none=True)
    present = fields.Boolean(allow_none=True)
    observed_at = SiteTime("observed_at")


class SiteArgs(Schema):
    site = fields.String()


class RejectionSchema(Schema):
    sensor = fields.String(metadata={"description": "a sensor id, registered or not (zigbee2mqtt/<name> for Z2M)"})
    reason = fields.String()
    count = fields.Integer()
    last_at = fields.DateTime()
    detail = fields.String()


@blp.route("")
class Sensors(MethodView):
    @allow(STAFF)
    @blp.arguments(SiteArgs, location="query")
    @blp.response(200, SensorSchema(many=True))
    @dbtypes.read_only()
    def get(self, args):
        """List sensors with their health, last seen and battery"""
        return sensors.list_sensors(args.get("site"))

    @allow(STAFF)
    @blp.arguments(SensorIn)
    @blp.response(201, SensorSchema)
    def post(self, data):
        """Register a sensor in a space"""
        return sensors.add_sensor(data.pop("sensor"), **data)


@blp.route("/rejections")
class Rejections(MethodView):
    @allow(STAFF)
    @blp.response(200, RejectionSchema(many=True))
    @dbtypes.read_only()
    def get(self):
        """Messages the ingest worker refused, counted per sensor and reason"""
        return sensors.rejections()


@blp.route("/<slug>")
class SensorDetail(MethodView):
    @allow(STAFF)
    @blp.response(200, SensorSchema)
    @dbtypes.read_only()
    def get(self, slug):
        """One sensor"""
        return sensors.get_sensor(slug)

    @allow(STAFF)
    @blp.arguments(SensorPatch)
    @blp.response(200, SensorSchema)
    def patch(self, changes, slug):
        """Move a sensor or change how it reports"""
        return sensors.update_sensor(slug, changes)

    @allow(STAFF)
    @blp.response(204)
    def delete(self, slug):
        """Remove a sensor and its readings"""
        sensors.delete_sensor(slug)
