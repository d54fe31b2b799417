"""Live occupancy per space and per site, and a Server-Sent Events stream of its changes.

The web never talks MQTT: the stream polls the database (the ingest worker's writes) about once a
second, so it works the same behind any number of web workers.

An open stream holds one of the web worker's threads, so a worker serves only a few at once
(``ONEXP_WEB_LIVE_STREAMS``, half its threads unless set) and each lasts a few minutes; past
that, a stream is refused with 503 and the pages poll ``GET .../occupancy`` instead. Without
the cap, three staff with the three-site overview open took every thread, and nothing else
was answered.

Venue staff see everything (the sensors a state comes from, their health); anyone else, a door
display or a visitor, sees only what a door needs: occupied or free, how many, since when. Those
callers stream from slots of their own (``ONEXP_WEB_LIVE_PUBLIC_STREAMS``, a quarter of the
threads unless set), so anonymous streams cannot take the ones the staff pages need.
"""

from __future__ import annotations

import json
import threading
import time

from flask import Response, current_app, jsonify, stream_with_context
from flask.views import MethodView
from marshmallow import Schema, fields

from booking.api.fields import local_iso
from booking.api.guard import PUBLIC, allow
from booking.api.problems import problem
from booking.auth import current_user
from booking.extensions import db
from booking.infra import dbtypes
from booking.openapi import Blueprint
from booking.services import catalog, readings

blp = Blueprint(
    "occupancy", __name__, url_prefix="/api/v1/sites", description="Live occupancy from the venues' sensors"
)

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 300.0  # then the browser reconnects (EventSource does): threads change hands


class OccupancySchema(Schema):
    site = fields.String()
    space = fields.String()
    count = fields.Integer(allow_none=True, metadata={"description": "people counted; null without a counter"})
    present = fields.Boolean(allow_none=True)
    state = fields.String(metadata={"description": "occupied, free or unknown"})
    since = fields.Function(lambda o: local_iso(o["since"], o["timezone"]), allow_none=True)
    observed_at = fields.Function(lambda o: local_iso(o["observed_at"], o["timezone"]), allow_none=True)
    fresh = fields.Boolean(metadata={"description": "false when no sensor of the space reported recently"})
    sources = fields.List(fields.String(), metadata={"description": "staff only: the sensors this state comes from"})
    health = fields.String(metadata={"description": "staff only: healthy, stale, offline or missing"})


# What a door shows; the stream sends only these, and only these are public.
_EVENT_FIELDS = ("site", "space", "count", "present", "state", "since", "fresh")
FOR_STAFF = OccupancySchema()
FOR_ANYONE = OccupancySchema(only=_EVENT_FIELDS)


def _staff_calling() -> bool:
    user = current_user()  # checked already by @allow: a bad token never gets here
    return user is not None and user.is_staff


def _answer(occupancy, *, many: bool = False) -> Response:
    """The caller's view of the occupancy, as JSON (returned as is: the schema is chosen per caller)."""
    return jsonify((FOR_STAFF if _staff_calling() else FOR_ANYONE).dump(occupancy, many=many))


@blp.route("/<site>/occupancy")
class SiteOccupancy(MethodView):
    @allow(PUBLIC)
    @blp.response(200, OccupancySchema(many=True))
    @dbtypes.read_only()
    def get(self, site):
        """Live occupancy of every space of a venue (sensors and health for staff only)"""
        return _answer(readings.site_occupancy(site), many=True)


@blp.route("/<site>/spaces/<space>/occupancy")
class SpaceOccupancy(MethodView):
    @allow(PUBLIC)
    @blp.response(200, OccupancySchema)
    @dbtypes.read_only()
    def get(self, site, space):
        """Live occupancy of one space (sensors and health for staff only)"""
        return _answer(readings.live_occupancy(catalog.get_space(site, space)))


class StreamSlots:
    """How many streams this process serves at once, out of ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._open >= self.limit:
                return False
            self._open += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self._open -= 1


def stream_slots(*, staff: bool = True) -> StreamSlots:
    """This app's slots, per process: staff's, by default half the worker's threads (none with one
    thread), and everyone else's, by default a quarter."""
    key, setting, share = ("staff", "WEB_LIVE_STREAMS", 2) if staff else ("public", "WEB_LIVE_PUBLIC_STREAMS", 4)
    slots = current_app.extensions.get(f"onexp.stream_slots.{key}")
    if slots is None:
        limit = current_app.config.get(setting)
        if limit is None:
            limit = int(current_app.config.get("WEB_THREADS", 4)) // share
        slots = current_app.extensions.setdefault(f"onexp.stream_slots.{key}", StreamSlots(limit))
    return slots


@blp.route("/<site>/occupancy/stream")
class OccupancyStream(MethodView):
    @allow(PUBLIC)
    @blp.response(200, content_type="text/event-stream")
    @blp.alt_response(503, description="Every stream of this worker is taken: poll GET .../occupancy instead")
    def get(self, site):
        """Server-Sent Events: `event: occupancy` with each space's state, then each change"""
        catalog.get_site(site)  # a 404 now rather than an empty stream
        slots = stream_slots(staff=_staff_calling())
        if not slots.take():
            refused = problem(
                503,
                "Too many live streams",
                f"poll GET /api/v1/sites/{site}/occupancy instead",
                poll=f"/api/v1/sites/{site}/occupancy",
            )
            refused.headers["Retry-After"] = str(int(STREAM_SECONDS))
            return refused
        config = current_app.config
        events = _events(
            site,
            poll=config.get("OCCUPANCY_STREAM_POLL_SECONDS", POLL_SECONDS),
            keepalive=config.get("OCCUPANCY_STREAM_KEEPALIVE_SECONDS", KEEPALIVE_SECONDS),
            lasting=config.get("OCCUPANCY_STREAM_SECONDS", STREAM_SECONDS),
        )
        response = Response(stream_with_context(events), mimetype="text/event-stream")
        # the server closes the response when the stream ends or its client has gone (a failed write)
        response.call_on_close(slots.give_back)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Accel-Buffering"] = "no"  # nginx: pass events through at once
        return response


def _events(site: str, *, poll: float, keepalive: float, lasting: float):
    schema = OccupancySchema()
    cursor = None
    started = quiet_since = time.monotonic()
    yield "retry: 3000\n\n"
    while time.monotonic() - started < lasting:
        with dbtypes.read_only():  # on SQLite, polling must not queue with the ingest writer
            changes, cursor = readings.changed_since(site, cursor)
        # End the read transaction: a long one would hide newer writes (and pin the WAL on SQLite).
        db.session.remove()
        for change in changes:
            data = {name: value for name, value in schema.dump(change).items() if name in _EVENT_FIELDS}
            yield f"event: occupancy\ndata: {json.dumps(data)}\n\n"
        if changes:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > keepalive:
            # lets proxies and browsers notice a dead connection, and this worker a client gone
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        time.sleep(poll)
