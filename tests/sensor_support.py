"""Helpers for the MQTT tests: waiting with a deadline, unique names, a device that publishes."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from booking.extensions import db

DEADLINE = 20.0  # seconds any one expectation may take before the test fails


def eventually(check, timeout: float = DEADLINE, message: str = ""):
    """Poll `check()` until it returns a truthy value; each poll sees the newest commits."""
    deadline = time.monotonic() + timeout
    while True:
        # End our read transaction: on SQLite it would hold the write lock (BEGIN IMMEDIATE)
        # and keep the worker from committing; on both it would hide newer rows.
        db.session.rollback()
        value = check()
        db.session.rollback()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {message or check}")
        time.sleep(0.05)


def unique(prefix: str) -> str:
    """A name no other test uses: the broker (and its retained messages) is shared by the run."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Device:
    """A test publisher: QoS 1, every publish waited for; ``reading()`` speaks the native format."""

    def __init__(self, broker) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique("device"))
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes | str, *, retain: bool = False, qos: int = 1) -> None:
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(DEADLINE)

    def reading(self, sensor, *, retain: bool = False, **values) -> None:
        """Publish ``values`` (count, present, ts as datetime...) on the sensor's native topic."""
        if isinstance(values.get("ts"), datetime):
            values["ts"] = values["ts"].isoformat()
        self.publish(topic_of(sensor), json.dumps(values), retain=retain)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def topic_of(sensor, channel: str = "occupancy") -> str:
    return f"onexp/{sensor.site}/{sensor.space}/{sensor.slug}/{channel}"


def forget_session(broker, client_id: str) -> None:
    """Delete a persistent session so the shared broker stops queueing for a finished test."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.connect(broker.host, broker.port, clean_start=True)
    client.disconnect()
