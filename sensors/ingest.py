"""The ingest worker: MQTT readings → database, at least once, never dying of a payload.

paho runs `on_message` on its network thread, which must stay quick (a slow one stalls keep-alives
and the broker drops us), so it only enqueues. A writer thread drains the queue in batches, decodes,
stores each batch in one transaction through `booking.services.readings.record_readings`, and only
then acknowledges the batch's QoS 1 messages (`manual_ack`). A worker killed before a commit has
acknowledged nothing of it: with a persistent session the broker delivers those messages again, and
(sensor, observed_at) deduplication absorbs what was already stored.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from flask import Flask
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from booking.infra import metrics
from booking.infra.dbtypes import read_only
from booking.services import readings, sensors
from booking.services.sensors import SensorRoute
from sensors.payloads import PayloadRejected, decode, parse_status
from sensors.state import DoorStatePublisher
from sensors.topics import QOS, ZIGBEE2MQTT, TopicRef, parse_topic, subscriptions

log = logging.getLogger(__name__)

# Reasons the worker adds to the payload adapters' REASONS.
UNKNOWN_DEVICE = "unknown_device"  # no sensor registered under this id or device name
MISPLACED = "misplaced"  # a registered sensor publishing under another space's topic

BATCH_SIZE = 5000  # at most this many messages per transaction
SESSION_EXPIRY = 7 * 24 * 3600  # seconds the broker keeps our session (and queues) while we are away
RECEIVE_MAXIMUM = 20000  # unacknowledged QoS 1 messages the broker may send before waiting for acks
REGISTRY_REFRESH = 30.0  # seconds between reloads of the sensor registry
REGISTRY_MISS_RELOAD = 2.0  # at most one reload this often when an unknown device shows up
MAX_DEFERRED = 20000  # messages held back waiting for a reload; beyond it a reload is forced
SETTLE_SECONDS = 1.0  # spaces' combined state is recombined at most this often (once the queue is empty)
SLOW_BATCH = 0.5  # seconds: a batch slower than this is logged (database contention, a huge backlog)
LOG_EVERY = 60.0  # seconds between two log lines about one device's refused payloads


class Message(NamedTuple):
    """What `on_message` keeps of a delivery: enough to decode it later and acknowledge it.

    A named tuple and a float time: this is built on paho's thread for every message.
    """

    topic: str
    payload: bytes
    mid: int
    qos: int
    session: int  # the connection it arrived on: an ack is only valid on that one
    received: float  # time.time()


class Registry:
    """The sensor registry, cached in memory: native sensors by slug, mapped devices by name.

    A sensor's `topic` is its Zigbee2MQTT friendly name for that format (its slug when it has
    none); for the others it is the device's own full topic (a Milesight counter publishing where
    its installer pointed it), which the worker subscribes to as well. A `zigbee2mqtt/...` topic
    only ever names a sensor registered with that format: the bridge's account writes the whole
    `zigbee2mqtt/#` tree, and must not be able to speak (or die) for a native sensor.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.by_slug: dict[str, SensorRoute] = {}
        self.zigbee2mqtt: dict[str, SensorRoute] = {}  # Zigbee2MQTT sensors by friendly name
        self.own_topics: dict[str, SensorRoute] = {}  # full topics of devices that cannot use ours
        self.routed: dict[str, tuple[TopicRef, SensorRoute]] = {}  # topic -> where it goes, once known
        self.loaded_at = float("-inf")  # time.monotonic() of the last reload, for its pace
        self.as_of = float("-inf")  # time.time() the last reload began: it knows every sensor added before

    def reload(self) -> None:
        as_of = time.time()
        with self.app.app_context(), read_only():
            routes = sensors.routes()
        self.by_slug = {route.slug: route for route in routes}
        bridged = [route for route in routes if route.format == ZIGBEE2MQTT]
        # a friendly name that is another one's slug: the name given as a topic wins
        self.zigbee2mqtt = {r.slug: r for r in bridged if not r.topic} | {r.topic: r for r in bridged if r.topic}
        self.own_topics = {r.topic: r for r in routes if r.topic and r.format != ZIGBEE2MQTT}
        self.routed = {}
        self.loaded_at = time.monotonic()
        self.as_of = as_of

    def refresh_if_due(self) -> None:
        if time.monotonic() - self.loaded_at > REGISTRY_REFRESH:
            self.reload()

    def route(self, topic: str, prefix: str, received: float) -> tuple[TopicRef | None, SensorRoute | None]:
        """The topic's parsed name and registered sensor (either may be None), cached per topic.

        Raises `NotYetKnown` when the sensor is missing but may have been registered after the
        last reload and before the message arrived, and no reload is allowed yet.
        """
        known = self.routed.get(topic)
        if known is not None:
            return known
        own = self.own_topics.get(topic)
        if own is not None:
            ref, route = TopicRef(None, None, own.slug, "occupancy", format=own.format), own
        else:
            ref = parse_topic(topic, prefix)
            route = None if ref is None else self.find(ref, received)
        if route is not None:  # only registered sensors: a flood of made-up topics must not grow it
            self.routed[topic] = (ref, route)
        return ref, route

    def find(self, ref: TopicRef, received: float, *, force: bool = False) -> SensorRoute | None:
        """The registered sensor, or None only when a registry loaded after `received` lacks it.

        A reading from a sensor registered a moment ago must not be dropped as unknown, and a
        flood of unknown devices must not reload the registry for every message: a miss reloads
        at most once every REGISTRY_MISS_RELOAD seconds, and in between it is `NotYetKnown`.
        """
        route = self._find(ref)
        if route is not None or self.as_of >= received:
            return route
        if not force and time.monotonic() - self.loaded_at <= REGISTRY_MISS_RELOAD:
            raise NotYetKnown
        self.reload()  # just registered? then its first reading is not lost
        return self._find(ref)

    def _find(self, ref: TopicRef) -> SensorRoute | None:
        if ref.format == ZIGBEE2MQTT:
            return self.zigbee2mqtt.get(ref.sensor)
        return self.by_slug.get(ref.sensor)


class NotYetKnown(Exception):
    """A message from a device the registry may not know yet: hold it until the next reload."""


class RejectLog:
    """Logs refused payloads at most once per device per interval, with how many were not logged."""

    def __init__(self, every: float = LOG_EVERY) -> None:
        self.every = every
        self.last: dict[str, tuple[float, int]] = {}

    def note(self, device: str, reason: str, detail: str) -> None:
        now = time.monotonic()
        logged_at, hidden = self.last.get(device, (float("-inf"), 0))
        if now - logged_at < self.every:
            self.last[device] = (logged_at, hidden + 1)
            return
        more = f" ({hidden} more refused since the last line)" if hidden else ""
        log.warning("refused a message from %s: %s %s%s", device, reason, detail, more)
        self.last[device] = (now, 0)


class IngestWorker:
    """One MQTT client and one writer thread; `start()` then `stop()`, or `run()` until signalled."""

    def __init__(
        self,
        app: Flask,
        *,
        url: str | None = None,
        prefix: str | None = None,
        client_id: str | None = None,
        shared_group: str | None = None,
        batch_size: int = BATCH_SIZE,
        door_states: bool = True,
    ) -> None:
        config = app.config
        self.app = app
        self.url = urlsplit(url or config["MQTT_URL"])
        self.prefix = prefix or config["MQTT_TOPIC_PREFIX"]
        self.client_id = client_id or config["MQTT_CLIENT_ID"]
        self.shared_group = config["MQTT_SHARED_GROUP"] if shared_group is None else shared_group
        self.batch_size = batch_size
        self.registry = Registry(app)
        self.reject_log = RejectLog()
        self.queue: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self.deferred: list[Message] = []  # from devices the registry may not know yet, unacknowledged
        self.session = 0
        self.connected = threading.Event()
        self.subscribed = threading.Event()  # set once the broker granted the subscriptions
        self.stopping = threading.Event()
        self.aborted = False
        self.subscribed_own: set[str] = set()
        self.stats = {"stored": 0, "duplicates": 0, "rejected": 0, "batches": 0}
        self.unsettled: set[int] = set()  # spaces whose sensors changed since their state was last combined
        self.settled_at = float("-inf")  # time.monotonic() of the last settling
        self.client = self._client()
        self.door_states = DoorStatePublisher(app, self.client, self.prefix) if door_states else None
        self.writer = threading.Thread(target=self._write_forever, name="ingest-writer", daemon=True)

    # --- MQTT side (paho's network thread) --------------------------------------------------

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self.url.username:
            client.username_pw_set(self.url.username, self.url.password)
        if self.url.scheme == "mqtts":
            client.tls_set()
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            log.error("broker refused the connection: %s", reason_code)
            return
        self.session += 1
        # Subscribing here brings the subscriptions back after every reconnect.
        client.subscribe(subscriptions(self.prefix, self.shared_group) + self._own_topic_filters())
        self.connected.set()
        # hostname and port only: the URL's netloc carries the password
        log.info("ingest connected to %s:%s as %s", self.url.hostname, self.url.port, self.client_id)

    def _own_topic_filters(self) -> list[tuple[str, int]]:
        topics = sorted(self.registry.own_topics)
        self.subscribed_own = set(topics)
        return [(f"$share/{self.shared_group}/{t}" if self.shared_group else t, QOS) for t in topics]

    def _follow_registry(self) -> None:
        """Subscribe to the own topics of devices registered since the last (re)connection."""
        new = set(self.registry.own_topics) - self.subscribed_own
        if new and self.connected.is_set():
            self.subscribed_own |= new
            prefix = f"$share/{self.shared_group}/" if self.shared_group else ""
            self.client.subscribe([(prefix + topic, QOS) for topic in sorted(new)])

    def _on_subscribe(self, _client, _userdata, _mid, reason_codes, _properties) -> None:
        refused = [code for code in reason_codes if code.is_failure]
        if refused:
            log.error("broker refused subscriptions: %s", refused)
        self.subscribed.set()

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        self.connected.clear()
        self.subscribed.clear()
        if not self.stopping.is_set():
            log.warning("ingest lost the broker (%s); reconnecting", reason_code)

    def _on_message(self, _client, _userdata, message: mqtt.MQTTMessage) -> None:
        self.queue.put(Message(message.topic, message.payload, message.mid, message.qos, self.session, time.time()))

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> IngestWorker:
        """Load the registry, connect (retrying in the background), start the writer and door states."""
        self.registry.reload()
        self.writer.start()
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(
            self.url.hostname or "127.0.0.1",
            self.url.port or (8883 if self.url.scheme == "mqtts" else 1883),
            keepalive=30,
            clean_start=False,
            properties=properties,
        )
        self.client.loop_start()
        if self.door_states is not None:
            self.door_states.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        """Finish the queued messages, acknowledge them, then disconnect."""
        self.stopping.set()
        self.writer.join(timeout)
        if self.door_states is not None:
            self.door_states.stop()
        self.client.disconnect()
        self.client.loop_stop()

    def abort(self) -> None:
        """Drop the connection and everything queued without acknowledging it, as a crash would."""
        self.aborted = True
        self.session += 1  # acks still in the writer's hands become invalid
        self.stopping.set()
        if self.door_states is not None:
            self.door_states.stop()
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.close()
        self.writer.join(10)

    def run(self) -> None:
        """Run until SIGINT/SIGTERM."""
        import signal

        self.start()
        done = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: done.set())
        done.wait()
        self.stop()

    # --- writer thread ---------------------------------------------------------------------

    def _write_forever(self) -> None:
        while not self.aborted:
            messages = self._take()
            if messages:
                self._write(messages)
            elif self.stopping.is_set():
                self._settle()
                return
            else:  # idle: still notice newly registered devices with their own topics
                try:
                    self.registry.refresh_if_due()
                    self._follow_registry()
                except Exception:  # the database may be away; the next round retries
                    log.exception("could not refresh the sensor registry")
            self._settle_if_due()

    def _settle_if_due(self) -> None:
        """Recombine the touched spaces once a second, between bursts when there are any.

        Readings are visible as soon as their batch commits; the combined state (and with it the
        door displays and the changes feed) follows within about SETTLE_SECONDS. A worker that dies
        before settling leaves its last second of spaces to be settled by their sensors' next
        reading, here or in another worker: the state is derived from the sensors alone.
        """
        if not self.unsettled or self.aborted:
            return
        waited = time.monotonic() - self.settled_at
        if waited >= 2 * SETTLE_SECONDS or (waited >= SETTLE_SECONDS and self.queue.empty()):
            self._settle()

    def _settle(self) -> None:
        if not self.unsettled or self.aborted:
            return
        spaces, self.unsettled = self.unsettled, set()
        self.settled_at = time.monotonic()
        try:
            with self.app.app_context():
                changed = readings.settle_spaces(spaces, datetime.now(UTC))
        except Exception:  # the database may be away: they are settled with the next round
            log.exception("could not settle the state of %d spaces", len(spaces))
            self.unsettled |= spaces
            return
        if self.door_states is not None and changed:
            self.door_states.changed(changed)

    def _take(self) -> list[Message]:
        messages, self.deferred = self.deferred, []
        try:
            messages.append(self.queue.get(timeout=0.2))
        except queue.Empty:
            return messages
        while len(messages) < self.batch_size:
            try:
                messages.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return messages

    def _write(self, messages: list[Message]) -> None:
        """Decode, record in one transaction, then acknowledge; retry the database, never die."""
        delay = 0.5
        started = time.monotonic()
        while True:
            try:
                self.registry.refresh_if_due()
                self._follow_registry()
                batch, deferred = self._batch(messages)
                with self.app.app_context():
                    recorded = readings.record_readings(batch, datetime.now(UTC), settle=False)
                break
            except Exception:
                if self.aborted:
                    return  # the broker will deliver these again
                log.exception("could not store %d messages; retrying in %.1f s", len(messages), delay)
                time.sleep(delay)
                delay = min(delay * 2, 30)
        # held back, unacknowledged: they go through the next batch, after a reload
        self.deferred = deferred
        held = {id(message) for message in deferred}
        session = self.session
        for message in messages:
            if message.session == session and message.qos and id(message) not in held:
                self.client.ack(message.mid, message.qos)
        self.stats["stored"] += recorded.stored
        self.stats["duplicates"] += recorded.duplicates
        metrics.READINGS_ACCEPTED.inc(recorded.stored)
        metrics.INGEST_LAG.observe(max(time.time() - messages[0].received, 0))
        self.stats["batches"] += 1
        took = time.monotonic() - started
        if took > SLOW_BATCH:
            log.warning("slow batch: %d messages took %.2f s", len(messages), took)
        self.unsettled |= recorded.touched

    def _batch(self, messages: list[Message]) -> tuple[readings.Batch, list[Message]]:
        """The batch to record, and the messages to hold back until the registry is reloaded."""
        batch = readings.Batch()
        deferred: list[Message] = []
        for message in messages:
            try:
                ref, route = self.registry.route(message.topic, self.prefix, message.received)
            except NotYetKnown:
                deferred.append(message)
                if len(deferred) <= MAX_DEFERRED and not self.stopping.is_set():
                    continue
                # a flood, or a worker stopping (it would wait out the pace): reload now, whatever the pace
                ref = parse_topic(message.topic, self.prefix)
                route = self.registry.find(ref, message.received, force=True)
                deferred.pop()
            if ref is None:
                continue  # not a sensor topic (Zigbee2MQTT's bridge, our own door states...)
            if route is None:
                # Counted per device id, not per topic: a device may write under any site and space
                # (the ACL pins only its id), and made-up levels must not grow the counters table.
                device = ref.sensor if ref.format == "native" else f"{ref.format}/{ref.sensor}"
                self._reject(batch, device, UNKNOWN_DEVICE, f"not in the registry ({message.topic[:120]})")
                continue
            if ref.site is not None and (ref.site, ref.space) != (route.site, route.space):
                self._reject(batch, route.slug, MISPLACED, f"registered at {route.site}/{route.space}")
                continue
            received_at = datetime.fromtimestamp(message.received, UTC)
            try:
                if ref.channel == "status":
                    online = parse_status(message.payload)
                    batch.statuses.append(readings.StatusReport(route.id, online, received_at))
                else:
                    reading = decode(message.payload, route.format, received_at=received_at)
                    batch.readings.append(
                        readings.SensorReading(
                            route.id,
                            reading.observed_at,
                            received_at,
                            count=reading.count,
                            present=reading.present,
                            entered=reading.entered,
                            exited=reading.exited,
                            battery=reading.battery,
                        )
                    )
            except PayloadRejected as rejected:
                self._reject(batch, route.slug, rejected.reason, rejected.detail)
            except Exception as error:  # a bug of ours must not stall every message behind this one
                log.exception("could not decode a message from %s", route.slug)
                self._reject(batch, route.slug, "malformed", f"{type(error).__name__}: {error}")
        return batch, deferred

    def _reject(self, batch: readings.Batch, device: str, reason: str, detail: str) -> None:
        batch.rejections[(device, reason)] += 1
        batch.details[(device, reason)] = detail
        self.stats["rejected"] += 1
        metrics.READINGS_REJECTED.labels(reason).inc()
        self.reject_log.note(device, reason, detail)
