"""Live occupancy per space and per site, and a Server-Sent Events stream of its changes.

The web never talks MQTT: the stream polls the database (the ingest worker's writes) about once a
second, so it works the same behind any number of web workers.
"""

from __future__ import annotations

import json
import time

from flask import Response, current_app, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from booking import dbtypes
from booking.api.fields import local_iso
from booking.extensions import db
from booking.services import catalog, occupancy

blp = Blueprint(
    "occupancy", __name__, url_prefix="/api/v1/sites", description="Live occupancy from the venues' sensors"
)

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0


class OccupancySchema(Schema):
    site = fields.String()
    space = fields.String()
    count = fields.Integer(allow_none=True, metadata={"description": "people counted; null without a counter"})
    present = fields.Boolean(allow_none=True)
    state = fields.String(metadata={"description": "occupied, free or unknown"})
    since = fields.Function(lambda o: local_iso(o["since"], o["timezone"]), allow_none=True)
    observed_at = fields.Function(lambda o: local_iso(o["observed_at"], o["timezone"]), allow_none=True)
    fresh = fields.Boolean(metadata={"description": "false when no sensor of the space reported recently"})
    sources = fields.List(fields.String(), metadata={"description": "the sensors this state comes from"})
    health = fields.String(metadata={"description": "healthy, stale, offline or missing"})


_EVENT_FIELDS = ("site", "space", "count", "present", "state", "since", "fresh")


@blp.route("/<site>/occupancy")
class SiteOccupancy(MethodView):
    @blp.response(200, OccupancySchema(many=True))
    @dbtypes.read_only()
    def get(self, site):
        """Live occupancy of every space of a venue"""
        return occupancy.site_occupancy(site)


@blp.route("/<site>/spaces/<space>/occupancy")
class SpaceOccupancy(MethodView):
    @blp.response(200, OccupancySchema)
    @dbtypes.read_only()
    def get(self, site, space):
        """Live occupancy of one space"""
        return occupancy.live_occupancy(catalog.get_space(site, space))


@blp.route("/<site>/occupancy/stream")
class OccupancyStream(MethodView):
    @blp.response(200, content_type="text/event-stream")
    def get(self, site):
        """Server-Sent Events: `event: occupancy` with each space's state, then each change"""
        catalog.get_site(site)  # a 404 now rather than an empty stream
        poll = current_app.config.get("OCCUPANCY_STREAM_POLL_SECONDS", POLL_SECONDS)
        response = Response(stream_with_context(_events(site, poll)), mimetype="text/event-stream")
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Accel-Buffering"] = "no"  # nginx: pass events through at once
        return response


def _events(site: str, poll: float):
    schema = OccupancySchema()
    cursor = None
    quiet_since = time.monotonic()
    yield "retry: 3000\n\n"
    while True:
        with dbtypes.read_only():  # on SQLite, polling must not queue with the ingest writer
            changes, cursor = occupancy.changed_since(site, cursor)
        # End the read transaction: a long one would hide newer writes (and pin the WAL on SQLite).
        db.session.remove()
        for change in changes:
            data = {name: value for name, value in schema.dump(change).items() if name in _EVENT_FIELDS}
            yield f"event: occupancy\ndata: {json.dumps(data)}\n\n"
        if changes:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"  # lets proxies and browsers notice a dead connection
            quiet_since = time.monotonic()
        time.sleep(poll)
