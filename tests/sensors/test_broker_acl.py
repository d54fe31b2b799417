"""The production ACL (config/mosquitto.acl) on a real Mosquitto: a device publishes only its own topics."""

from __future__ import annotations

import queue
import subprocess
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sensor_support import DEADLINE
from servers import MosquittoBroker

pytestmark = pytest.mark.mqtt

ACL = Path(__file__).resolve().parents[2] / "config" / "mosquitto.acl"
PASSWORD = "correct horse battery"
USERS = ("onexp-ingest", "pc-1", "pc-2", "door-display", "zigbee2mqtt")


@pytest.fixture(scope="module")
def secured_broker(tmp_path_factory):
    """A throwaway Mosquitto with per-device passwords and the shipped ACL."""
    passwords = tmp_path_factory.mktemp("mosquitto") / "passwd"
    passwords.touch()
    for user in USERS:
        subprocess.run(["mosquitto_passwd", "-b", str(passwords), user, PASSWORD], check=True, capture_output=True)
    config = [f"password_file {passwords}", f"acl_file {ACL}"]
    with MosquittoBroker(anonymous=False, extra_config=config) as broker:
        yield broker


class Client:
    """A connected client that records what it receives."""

    def __init__(self, broker, user: str | None, password: str = PASSWORD) -> None:
        self.received: queue.Queue = queue.Queue()
        self.connected: queue.Queue = queue.Queue()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        if user:
            self.client.username_pw_set(user, password)
        self.client.on_connect = lambda _c, _u, _f, reason, _p: self.connected.put(reason)
        self.client.on_message = lambda _c, _u, message: self.received.put((message.topic, message.payload))
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.reason = self.connected.get(timeout=DEADLINE)

    def subscribe(self, topic: str) -> int:
        """Subscribe and wait for the broker's answer: the granted QoS (128 when refused)."""
        granted: queue.Queue = queue.Queue()
        self.client.on_subscribe = lambda _c, _u, _mid, codes, _p: granted.put(codes[0].value)
        self.client.subscribe(topic, 1)
        return granted.get(timeout=DEADLINE)

    def publish(self, topic: str, payload: str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(DEADLINE)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def connect(secured_broker):
    clients = []

    def make(user: str | None, password: str = PASSWORD) -> Client:
        client = Client(secured_broker, user, password)
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
