"""The production broker (config/mosquitto.conf with config/mosquitto.acl) on a real Mosquitto:
a device publishes only its own topics, cannot take over an ingest worker's session, and plain
MQTT answers on the broker's own host only."""

from __future__ import annotations

import queue
import socket
import ssl

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sensor_support import DEADLINE
from topology import ProductionBroker

pytestmark = pytest.mark.mqtt

PASSWORD = "correct horse battery"
INGEST = ("onexp-ingest", "onexp-ingest-1", "onexp-ingest-2")
USERS = (*INGEST, "pc-1", "pc-2", "door-display", "zigbee2mqtt")
WORKER_ID = "onexp-ingest-worker"  # a worker's client id, as a device may have learnt it


@pytest.fixture(scope="module")
def secured_broker():
    """A throwaway Mosquitto on the production configuration, with a password for every user."""
    with ProductionBroker(dict.fromkeys(USERS, PASSWORD), loopback_only=False) as broker:
        yield broker


class Client:
    """A connected client that records what it receives, and whether the broker dropped it.

    ``persistent``: MQTT 5 without a clean start and with a session that outlives the connection,
    as the ingest worker connects; otherwise MQTT 3.1.1 with a clean session, as most devices.
    """

    def __init__(
        self, broker, user: str | None, password: str = PASSWORD, *, client_id: str = "",
        persistent: bool = False, port: int | None = None, tls: bool = False,
    ) -> None:  # fmt: skip
        self.received: queue.Queue = queue.Queue()
        self.connected: queue.Queue = queue.Queue()
        self.dropped = self.closing = False
        protocol = mqtt.MQTTv5 if persistent else mqtt.MQTTv311
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol)
        if user:
            self.client.username_pw_set(user, password)
        if tls:
            self.client.tls_set(ca_certs=str(broker.certificate))
        self.client.on_connect = lambda _c, _u, flags, reason, _p: self.connected.put((flags, reason))
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = lambda _c, _u, message: self.received.put((message.topic, message.payload))
        options = {}
        if persistent:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = 3600
            options = {"clean_start": False, "properties": properties}
        self.client.connect(broker.host, port or broker.port, **options)
        self.client.loop_start()
        self.flags, self.reason = self.connected.get(timeout=DEADLINE)

    def _on_disconnect(self, _client, _userdata, _flags, _reason, _properties) -> None:
        if not self.closing:
            self.dropped = True

    def subscribe(self, topic: str) -> int:
        """Subscribe and wait for the broker's answer: the granted QoS (128 when refused)."""
        granted: queue.Queue = queue.Queue()
        self.client.on_subscribe = lambda _c, _u, _mid, codes, _p: granted.put(codes[0].value)
        self.client.subscribe(topic, 1)
        return granted.get(timeout=DEADLINE)

    def publish(self, topic: str, payload: str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(DEADLINE)

    def close(self) -> None:
        self.closing = True
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def connect(secured_broker):
    clients = []

    def make(user: str | None, password: str = PASSWORD, **options) -> Client:
        client = Client(secured_broker, user, password, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.mark.parametrize(
    ("topic", "allowed"),
    [
        ("onexp/la-coque/showroom/pc-1/occupancy", True),  # its own readings
        ("onexp/la-coque/showroom/pc-1/status", True),  # its own status (and Last Will)
        ("onexp/la-coque/showroom/pc-2/occupancy", False),  # another sensor's readings
        ("onexp/la-coque/showroom/pc-2/status", False),  # marking another sensor offline
        ("onexp/la-coque/showroom/state", False),  # the door display's state
        ("zigbee2mqtt/showroom/motion", False),  # the Zigbee bridge's tree
    ],
)
def test_a_sensor_publishes_only_under_its_own_topics(connect, topic, allowed):
    service = connect("onexp-ingest")
    for subscription in ("onexp/+/+/+/occupancy", "onexp/+/+/+/status", "onexp/+/+/state", "zigbee2mqtt/#"):
        assert service.subscribe(subscription) == 1
    sensor = connect("pc-1")
    sensor.publish(topic, "probe")
    sensor.publish("onexp/la-coque/showroom/pc-1/occupancy", "marker")  # allowed: arrives after the probe
    first = service.received.get(timeout=DEADLINE)
    assert (first == (topic, b"probe")) is allowed
    if allowed:
        assert service.received.get(timeout=DEADLINE)[1] == b"marker"


def receives_nothing(client: Client) -> bool:
    """True if nothing reached `client`: its own acknowledged publish (or a ping) comes after anything
    the broker had already sent it, and paho hands messages over in order."""
    client.publish("onexp/la-coque/showroom/pc-1/occupancy", "round trip")  # allowed for pc-1, dropped otherwise
    return client.received.empty()


def test_a_sensor_reads_nothing_not_even_its_own_topics(connect):
    sensor = connect("pc-1")
    sensor.subscribe("onexp/#")
    service = connect("onexp-ingest")
    service.subscribe("onexp/+/+/state")
    service.publish("onexp/la-coque/showroom/state", "{}")
    assert service.received.get(timeout=DEADLINE)[0] == "onexp/la-coque/showroom/state"
    assert receives_nothing(sensor)


def test_door_displays_read_states_and_nothing_else(connect):
    display = connect("door-display")
    display.subscribe("onexp/#")
    service = connect("onexp-ingest")
    service.subscribe("onexp/+/+/+/occupancy")
    connect("pc-1").publish("onexp/la-coque/showroom/pc-1/occupancy", "reading")
    assert service.received.get(timeout=DEADLINE)[1] == b"reading"
    service.publish("onexp/la-coque/showroom/state", "state")
    assert display.received.get(timeout=DEADLINE) == ("onexp/la-coque/showroom/state", b"state")  # not the reading


@pytest.mark.parametrize(
    ("user", "password"),
    [
        (None, PASSWORD),  # anonymous
        ("pc-1", "guess"),  # wrong password
        ("pc-99", PASSWORD),  # not in the password file
    ],
)
def test_unknown_or_wrong_credentials_are_refused(secured_broker, user, password):
    client = Client(secured_broker, user, password)
    try:
        assert client.reason.is_failure
    finally:
        client.close()


@pytest.mark.parametrize("account", INGEST)
def test_every_ingest_account_may_subscribe_as_the_worker_does(connect, account):
    from sensors.topics import subscriptions

    worker = connect(account)
    for topic_filter, qos in subscriptions("onexp", "onexp-ingest"):
        assert worker.subscribe(topic_filter) == qos, topic_filter


def round_trip(client: Client) -> None:
    """Publish on a topic the client reads and wait for it to come back: the connection works."""
    client.publish("onexp/la-coque/showroom/state", "round trip")
    assert client.received.get(timeout=DEADLINE) == ("onexp/la-coque/showroom/state", b"round trip")


@pytest.mark.parametrize("listener", ["plain", "tls"])
def test_a_device_using_an_ingest_workers_client_id_does_not_knock_the_worker_off(connect, secured_broker, listener):
    worker = connect("onexp-ingest-1", client_id=WORKER_ID, persistent=True)
    worker.subscribe("onexp/+/+/state")
    port = secured_broker.tls_port if listener == "tls" else secured_broker.port
    device = connect("pc-2", client_id=WORKER_ID, port=port, tls=listener == "tls")
    assert not device.reason.is_failure  # let in, under its own account's id
    round_trip(worker)  # after the device's CONNACK: had it taken the id, the broker had closed us first
    assert not worker.dropped


def test_a_clean_start_with_an_ingest_workers_client_id_leaves_its_queued_readings(connect):
    worker = connect("onexp-ingest-1", client_id=WORKER_ID, persistent=True)
    assert worker.subscribe("onexp/+/+/+/occupancy") == 1
    worker.close()  # away: the broker queues its QoS 1 readings in its session
    connect("pc-1").publish("onexp/la-coque/showroom/pc-1/occupancy", "queued while away")
    thief = connect("pc-2", client_id=WORKER_ID)  # MQTT 3.1.1, clean session: would wipe that session
    thief.close()
    back = connect("onexp-ingest-1", client_id=WORKER_ID, persistent=True)
    assert back.flags.session_present
    assert back.received.get(timeout=DEADLINE) == ("onexp/la-coque/showroom/pc-1/occupancy", b"queued while away")


def refuses_tcp(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=DEADLINE).close()
    except ConnectionRefusedError:
        return True
    return False


def test_plain_mqtt_answers_on_the_brokers_own_host_only(secured_broker):
    # 127.0.0.2 is this host too, but not the address the plain listener is bound to: as a
    # neighbour on the network would, it finds nothing there, while the TLS listener answers.
    assert not refuses_tcp("127.0.0.1", secured_broker.port)
    assert refuses_tcp("127.0.0.2", secured_broker.port)
    assert not refuses_tcp("127.0.0.2", secured_broker.tls_port)


def test_devices_connect_over_tls_with_their_password(secured_broker):
    device = Client(secured_broker, "pc-1", port=secured_broker.tls_port, tls=True)
    try:
        assert not device.reason.is_failure
        assert isinstance(device.client.socket(), ssl.SSLSocket)
    finally:
        device.close()
