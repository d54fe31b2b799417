"""The test-server plumbing itself: a real PostgreSQL and a real Mosquitto start,
work, and survive a restart with their data. Nothing here is skipped: a missing
server is a failure that names scripts/ensure-system-packages.sh."""

import threading
import uuid

import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from servers import MosquittoBroker, PostgresServer, free_port

TIMEOUT = 10  # seconds to wait for any one broker round trip


@pytest.fixture(scope="module")
def postgres():
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="module")
def broker():
    with MosquittoBroker() as server:
        yield server


def libpq(url: str) -> str:
    """SQLAlchemy URL -> libpq conninfo (drop the +psycopg driver suffix)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def test_free_port_is_bindable():
    import socket

    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_postgres_btree_gist_and_query(postgres):
    url = postgres.create_database("servers_gist")
    assert url.startswith("postgresql+psycopg://postgres@")
    assert url.endswith("/servers_gist")
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        # The kind of constraint bookings rely on: no overlapping ranges per room.
        conn.execute("CREATE TABLE b (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&))")
        conn.execute("INSERT INTO b VALUES (1, '[2030-01-01 10:00Z, 2030-01-01 11:00Z)')")
        with pytest.raises(psycopg.errors.ExclusionViolation):
            conn.execute("INSERT INTO b VALUES (1, '[2030-01-01 10:30Z, 2030-01-01 12:00Z)')")
        assert conn.execute("SELECT count(*) FROM b").fetchone() == (1,)


def test_postgres_restart_keeps_data_and_port(postgres):
    if postgres.external_url:
        with pytest.raises(RuntimeError, match="not ours"):
            postgres.restart()
        return
    url = postgres.create_database("servers_restart")
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE t (v text)")
        conn.execute("INSERT INTO t VALUES ('kept')")
    port = postgres.port
    postgres.restart()
    assert postgres.port == port
    with psycopg.connect(libpq(url)) as conn:
        assert conn.execute("SELECT v FROM t").fetchall() == [("kept",)]


def _client(broker, client_id, **callbacks):
    """A connected paho 2 client with a persistent session (clean_session=False).

    Callbacks are set before connecting: a resumed session's queued messages
    arrive right after CONNACK.
    """
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    connected = threading.Event()
    client.on_connect = lambda c, u, flags, rc, props: rc.is_failure or connected.set()
    for name, callback in callbacks.items():
        setattr(client, name, callback)
    client.connect(broker.host, broker.port, keepalive=30)
    client.loop_start()
    assert connected.wait(TIMEOUT), f"no successful CONNACK from {broker.url}"
    return client


def _close(client):
    client.disconnect()
    client.loop_stop()


def test_mosquitto_persistent_session_survives_restart(broker):
    topic = f"test/servers/{uuid.uuid4().hex}"
    sub_id = f"servers-sub-{uuid.uuid4().hex[:8]}"

    # 1. A persistent session subscribes at QoS 1, then goes away.
    subscribed = threading.Event()
    sub = _client(broker, sub_id, on_subscribe=lambda *args: subscribed.set())
    sub.subscribe(topic, qos=1)
    assert subscribed.wait(TIMEOUT), "no SUBACK"
    _close(sub)

    # 2. A QoS 1 message is published while it is away; the broker acks it.
    pub = _client(broker, f"servers-pub-{uuid.uuid4().hex[:8]}")
    info = pub.publish(topic, b"while you were away", qos=1)
    info.wait_for_publish(TIMEOUT)
    assert info.is_published(), "no PUBACK"
    _close(pub)

    # 3. The broker restarts (clean SIGTERM: it writes its persistence file).
    #    An external broker (ONEXP_TEST_MQTT_URL) is not ours to restart.
    if broker.external_url:
        with pytest.raises(RuntimeError, match="not ours"):
            broker.restart()
    else:
        port = broker.port
        broker.restart()
        assert broker.port == port

    # 4. The same client id reconnects without a clean session and gets it.
    inbox, got = [], threading.Event()

    def on_message(client, userdata, msg):
        inbox.append(msg)
        got.set()

    sub = _client(broker, sub_id, on_message=on_message)
    try:
        assert got.wait(TIMEOUT), "queued QoS 1 message lost across the restart"
        assert [(m.topic, m.payload, m.qos) for m in inbox] == [(topic, b"while you were away", 1)]
    finally:
        _close(sub)
