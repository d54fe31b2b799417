"""Door displays: each space's state, published retained on `<prefix>/<site>/<space>/state`.

Published within a second of a batch that changed a space's occupancy (changes are gathered, so a
burst of readings costs one publication per space, off the writer's path), and every minute for
all spaces, because bookings start and end with no message at all. A state is only published when it differs
from the last one sent, so a retained topic changes when the door display has something to show.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from flask import Flask

from booking.infra.dbtypes import read_only
from booking.services import doors
from sensors.topics import QOS, state_topic

log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0
GATHER_SECONDS = 1.0


class DoorStatePublisher:
    """Publishes door states through an existing (connected or reconnecting) paho client."""

    def __init__(self, app: Flask, client: mqtt.Client, prefix: str, *, refresh: float = REFRESH_SECONDS) -> None:
        self.app = app
        self.client = client
        self.prefix = prefix
        self.refresh = refresh
        self.sent: dict[str, str] = {}  # topic -> the payload last published
        self.pending: set[int] = set()  # spaces changed since the last publication
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._refresh_forever, name="door-states", daemon=True)

    def start(self) -> DoorStatePublisher:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)

    def changed(self, space_ids: set[int]) -> None:
        """Note spaces whose occupancy changed; they are published within GATHER_SECONDS."""
        with self.lock:
            self.pending |= space_ids

    def publish(self, space_ids: set[int] | None = None, now: datetime | None = None) -> int:
        """Publish the states of these spaces (all when None) that changed; returns how many."""
        with self.app.app_context(), read_only():  # on SQLite, without taking the ingest writer's lock
            states = doors.door_states(now or datetime.now(UTC), space_ids)
        published = 0
        with self.lock:
            for state in states:
                topic = state_topic(self.prefix, state["site"], state["space"])
                # updated_at changes every time: compare without it, or every refresh would publish
                key = json.dumps({k: v for k, v in state.items() if k != "updated_at"}, sort_keys=True)
                if self.sent.get(topic) == key:
                    continue
                self.client.publish(topic, json.dumps(state), qos=QOS, retain=True)
                self.sent[topic] = key
                published += 1
        return published

    def _refresh_forever(self) -> None:
        last_full = float("-inf")
        while not self.stopping.wait(GATHER_SECONDS):
            with self.lock:
                spaces, self.pending = self.pending, set()
            everything = time.monotonic() - last_full >= self.refresh
            try:
                if everything:
                    self.publish()
                    last_full = time.monotonic()
                elif spaces:
                    self.publish(spaces)
            except Exception:  # a database hiccup must not end the refreshes
                log.exception("could not publish door states")
                with self.lock:
                    self.pending |= spaces
