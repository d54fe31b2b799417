"""Simulated sensors for demos and benches: the three sites' spaces through a plausible day.

Each active space gets a people counter (native format); every other space also a Zigbee2MQTT
motion sensor. Headcounts follow the bookings: people arrive over the first quarter of an hour
(a few bookings are no-shows and stay empty), leave at the end; outside bookings a few people pass
through during opening hours. One counter drops off now and then: its own connection ends without
a goodbye, so the broker publishes its Last Will (`offline`), and it comes back a few minutes later.

`--sensors N` adds N more counters spread over the spaces, for the bench.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from flask import Flask
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from booking.extensions import db
from booking.models import ACTIVE_STATUSES, Booking, Space
from booking.services import sensors as registry
from sensors.topics import ZIGBEE2MQTT, occupancy_topic, status_topic

log = logging.getLogger(__name__)

NO_SHOW_SHARE = 0.15  # bookings nobody comes to
ARRIVAL = timedelta(minutes=15)  # people trickle in over the first quarter of an hour
FLAKY_CYCLE = 600.0  # seconds between two drop-offs of the flaky sensor
FLAKY_DOWN = 180.0  # seconds it stays away


@dataclass(frozen=True)
class SimulatedSensor:
    slug: str
    site: str
    space: str
    space_id: int
    capacity: int
    kind: str  # counter | presence
    topic: str


class Simulator:
    """Publishes every sensor's reading `rate` times a second until `duration` ends (0: forever)."""

    def __init__(
        self,
        app: Flask,
        *,
        url: str | None = None,
        rate: float = 0.2,
        extra: int = 0,
        duration: float = 0,
        seed: int = 7,
    ) -> None:
        self.app = app
        self.url = urlsplit(url or app.config["MQTT_URL"])
        self.prefix = app.config["MQTT_TOPIC_PREFIX"]
        self.rate = rate
        self.extra = extra
        self.duration = duration
        self.random = random.Random(seed)
        self.stopping = threading.Event()
        self.sensors: list[SimulatedSensor] = []
        self.bookings: dict[int, list[tuple[datetime, datetime, int, bool]]] = {}
        self.published = 0
        self.flaky_cycle, self.flaky_down = FLAKY_CYCLE, FLAKY_DOWN

    # --- set-up -----------------------------------------------------------------------------

    def register(self) -> list[SimulatedSensor]:
        """Register the simulated sensors that are missing, and return them all."""
        interval = max(1, math.ceil(1 / self.rate)) if self.rate > 0 else 60
        with self.app.app_context():
            spaces = list(db.session.scalars(select(Space).where(Space.active).order_by(Space.id)))
            plans = []
            for i, space in enumerate(spaces):
                base = f"sim-{space.site.slug}-{space.slug}"
                plans.append((f"{base}-pc", space, "counter"))
                if i % 2:
                    plans.append((f"{base}-pir", space, "presence"))
            plans += [(f"sim-extra-{n:05d}", spaces[n % len(spaces)], "counter") for n in range(self.extra)]
            known = {route.slug: route for route in registry.routes()}
            for slug, space, kind in plans:
                if slug not in known:
                    fmt, topic = ("zigbee2mqtt", f"sim/{slug}") if kind == "presence" else ("native", None)
                    registry.add_sensor(
                        slug, site=space.site.slug, space=space.slug, kind=kind, format=fmt, topic=topic,
                        interval_seconds=interval,
                    )  # fmt: skip
            self.sensors = [
                SimulatedSensor(
                    slug, space.site.slug, space.slug, space.id, max(space.max_capacity, 1), kind,
                    f"{ZIGBEE2MQTT}/sim/{slug}" if kind == "presence"
                    else occupancy_topic(self.prefix, space.site.slug, space.slug, slug),
                )
                for slug, space, kind in plans
            ]  # fmt: skip
            db.session.rollback()
        return self.sensors

    def load_bookings(self, now: datetime) -> None:
        """Today's active bookings per space, each marked as a no-show or not (stable per booking)."""
        with self.app.app_context():
            rows = db.session.execute(
                select(Booking.id, Booking.space_id, Booking.start_at, Booking.end_at, Booking.attendees).where(
                    Booking.status.in_(ACTIVE_STATUSES),
                    Booking.end_at > now - timedelta(hours=1),
                    Booking.start_at < now + timedelta(hours=12),
                )
            ).all()
            db.session.rollback()
        bookings: dict[int, list] = {}
        for booking_id, space_id, start, end, attendees in rows:
            no_show = int(hashlib.sha256(str(booking_id).encode()).hexdigest(), 16) % 100 < NO_SHOW_SHARE * 100
            bookings.setdefault(space_id, []).append((start, end, attendees, no_show))
        self.bookings = bookings

    # --- what a sensor sees -------------------------------------------------------------------

    def people(self, sensor: SimulatedSensor, now: datetime) -> int:
        for start, end, attendees, no_show in self.bookings.get(sensor.space_id, []):
            if start <= now < end:
                if no_show:
                    return 0
                arrived = min((now - start) / ARRIVAL, 1.0)
                return max(0, round(attendees * arrived) + self.random.randint(-1, 1))
        hour = now.hour + now.minute / 60 + 1  # roughly Paris time
        # walk-throughs during the day, busier late morning and mid-afternoon
        busy = max(0.0, math.sin((hour - 8) / 12 * math.pi)) if 8 <= hour <= 20 else 0.0
        return self.random.choices([0, 1, 2, 3], weights=[10, 3 * busy, 2 * busy, busy])[0]

    def payload(self, sensor: SimulatedSensor, now: datetime) -> str:
        people = self.people(sensor, now)
        if sensor.kind == "presence":
            # Zigbee2MQTT's state of an Aqara motion sensor
            return json.dumps({"occupancy": people > 0, "battery": 91, "illuminance": 320, "linkquality": 110})
        return json.dumps({"count": people, "ts": now.isoformat(timespec="milliseconds")})

    # --- running ------------------------------------------------------------------------------

    def _connect(self, client_id: str, will: str | None = None) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        client.max_queued_messages_set(0)
        if will:
            client.will_set(will, "offline", qos=1, retain=True)
        if self.url.username:
            client.username_pw_set(self.url.username, self.url.password)
        client.connect(self.url.hostname or "127.0.0.1", self.url.port or 1883, keepalive=15)
        client.loop_start()
        return client

    def run(self) -> None:
        """Register, announce every sensor online (retained), then publish until told to stop."""
        if not self.sensors:
            self.register()
        client = self._connect(f"onexp-simulator-{self.random.randrange(1 << 30):x}")
        flaky = next((s for s in self.sensors if s.kind == "counter"), None)
        for sensor in self.sensors:
            if sensor is not flaky and sensor.kind == "counter":
                client.publish(self._status(sensor), "online", qos=1, retain=True)
        flaky_client = self._flaky_connect(flaky) if flaky else None
        started = time.monotonic()
        period = 1 / self.rate if self.rate > 0 else 60.0
        next_tick = started
        last_bookings = float("-inf")
        log.info("simulating %d sensors at %.2f Hz", len(self.sensors), self.rate)
        while not self.stopping.is_set() and (not self.duration or time.monotonic() - started < self.duration):
            now = datetime.now(UTC)
            if time.monotonic() - last_bookings > 30:
                self.load_bookings(now)
                last_bookings = time.monotonic()
            flaky_client = self._flaky_cycle(flaky, flaky_client, time.monotonic() - started)
            for sensor in self.sensors:
                target = flaky_client if sensor is flaky else client
                if target is not None:
                    target.publish(sensor.topic, self.payload(sensor, now), qos=1)
                    self.published += 1
            next_tick += period
            self.stopping.wait(max(0.0, next_tick - time.monotonic()))
        for c in (client, flaky_client):
            if c is not None:
                c.disconnect()
                c.loop_stop()

    def stop(self) -> None:
        self.stopping.set()

    def _status(self, sensor: SimulatedSensor) -> str:
        return status_topic(self.prefix, sensor.site, sensor.space, sensor.slug)

    def _flaky_connect(self, sensor: SimulatedSensor) -> mqtt.Client:
        client = self._connect(f"onexp-sim-{sensor.slug}", will=self._status(sensor))
        client.publish(self._status(sensor), "online", qos=1, retain=True)
        return client

    def _flaky_cycle(self, sensor, client, elapsed: float):
        """Drop the flaky sensor's connection without a DISCONNECT (Last Will), then bring it back."""
        if sensor is None:
            return client
        down = elapsed % self.flaky_cycle > self.flaky_cycle - self.flaky_down
        if down and client is not None:
            log.info("simulated sensor %s drops off", sensor.slug)
            client.loop_stop()
            client.socket().close()  # no DISCONNECT packet: the broker publishes the Last Will
            return None
        if not down and client is None:
            return self._flaky_connect(sensor)
        return client
