"""Faults in the production topology (`make prod-local`), each under traffic:
the broker restarted, an ingest worker killed, the active scheduler killed.
(PostgreSQL restarted under load: tests/test_prod_local.py.)"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import psycopg
import pytest
import requests
from clock import iso, next_weekday, paris
from paho.mqtt.enums import CallbackAPIVersion
from topology import ProdLocal

pytestmark = pytest.mark.mqtt

DEADLINE = 60.0  # seconds any one expectation may take
SENSOR = "pc-faults-1"
STREAM = 300  # readings per fault


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    env = {"ONEXP_SCHEDULER_LEASE_SECONDS": "3"}  # a standby notices a dead leader within seconds
    with ProdLocal(workers=2, devices=(SENSOR,), env=env, run_dir=str(tmp_path_factory.mktemp("faults"))) as topology:
        topology.onexp("sensors", "add", SENSOR, "--site", "la-coque", "--space", "showroom")
        yield topology


def eventually(check, message: str, timeout: float = DEADLINE):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"not true within {timeout} s: {message}"
        time.sleep(0.2)
    return value


def sql(prod: ProdLocal, query: str, *params) -> list[tuple]:
    with psycopg.connect(prod.database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
        cursor = c.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def stored_readings(prod: ProdLocal, since: datetime | None = None, until: datetime | None = None) -> int:
    """Readings of the test sensor stored so far (observed in [since, until) when given)."""
    query = "SELECT count(*) FROM occupancy_readings r JOIN sensors s ON s.id = r.sensor_id WHERE s.slug = %s"
    params: list = [SENSOR]
    if since is not None:
        query, params = query + " AND r.observed_at >= %s", [*params, since]
    if until is not None:
        query, params = query + " AND r.observed_at < %s", [*params, until]
    return sql(prod, query, *params)[0][0]


def metric(prod: ProdLocal, role: str, name: str, **labels: str) -> float:
    """One sample from a role's own /metrics (0 when absent)."""
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else "")
    text = requests.get(prod.metrics_url(role), timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.split(" ")[0] == wanted)


class Device:
    """The sensor: QoS 1, publishing each reading again until the broker acknowledged it."""

    def __init__(self, prod: ProdLocal):
        url = urlsplit(prod.device_url(SENSOR))
        self.topic = f"onexp/la-coque/showroom/{SENSOR}/occupancy"
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{SENSOR}-device")
        self.client.username_pw_set(url.username, url.password)
        self.client.reconnect_delay_set(min_delay=0.2, max_delay=2)
        self.client.connect(url.hostname, url.port)
        self.client.loop_start()
        self.sent = 0

    def publish(self, count: int, observed_at: datetime) -> None:
        payload = json.dumps({"count": count, "ts": observed_at.isoformat()})
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            try:
                info = self.client.publish(self.topic, payload, qos=1)
                info.wait_for_publish(2)
                if info.is_published():
                    self.sent += 1
                    return
            except (RuntimeError, ValueError):
                time.sleep(0.1)  # not connected: paho is reconnecting
        raise AssertionError(f"the broker never acknowledged {payload}")

    def stream(self, readings: int, *, at: dict) -> None:
        """``readings`` readings a second apart in the recent past, calling ``at[i]()`` before reading i."""
        start = datetime.now(UTC) - timedelta(seconds=readings + 5)
        for i in range(readings):
            if i in at:
                at[i]()
            self.publish(i % 40, start + timedelta(seconds=i, microseconds=self.sent % 1000))

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def device(prod):
    publisher = Device(prod)
    yield publisher
    publisher.close()


def restart_broker_and_wait_for_a_subscriber(prod: ProdLocal, device: Device) -> None:
    """Restart Mosquitto, then probe until an ingest worker stores readings again.

    Mosquitto 2.0 restores persistent sessions and their queued messages, but not their *shared*
    subscriptions: until a worker has reconnected and subscribed again, what devices publish has
    no subscriber and is dropped (see README, "Running in production"). Probe readings (not part of
    the stream) find the moment the workers are back.
    """
    prod.broker.restart()
    probe = datetime.now(UTC) - timedelta(hours=1)
    probes_end = probe + timedelta(minutes=30)  # only probes count: stream readings redelivered now must not
    stored = stored_readings(prod, until=probes_end)

    def probed() -> bool:
        nonlocal probe
        probe += timedelta(seconds=1)
        device.publish(0, probe)
        return stored_readings(prod, until=probes_end) > stored

    eventually(probed, "an ingest worker subscribed again after the restart")


def test_mosquitto_restarted_under_load_loses_no_qos1_reading_sent_to_a_subscription(prod, device):
    started = datetime.now(UTC) - timedelta(seconds=STREAM + 5)  # where the stream's times begin
    before = stored_readings(prod, since=started)
    device.stream(STREAM, at={STREAM // 2: lambda: restart_broker_and_wait_for_a_subscriber(prod, device)})
    eventually(
        lambda: stored_readings(prod, since=started) == before + STREAM, f"{STREAM} readings stored across a restart"
    )
    assert {"ingest-1", "ingest-2"} <= set(prod.running())  # the workers reconnected by themselves


def test_a_killed_ingest_worker_leaves_the_stream_to_the_other_and_loses_nothing(prod, device):
    """The survivor goes on storing; Mosquitto keeps the dead worker's share of the shared subscription
    in its persistent session, delivered when the supervisor restarts it: late, never lost, never twice."""
    before = stored_readings(prod)
    survivor_before = metric(prod, "ingest-2", "onexp_readings_accepted_total")
    device.stream(STREAM, at={STREAM // 3: lambda: prod.kill("ingest-1")})
    eventually(lambda: metric(prod, "ingest-2", "onexp_readings_accepted_total") > survivor_before + STREAM // 3,
               "the survivor stores readings sent after the kill")  # fmt: skip
    prod.start_role("ingest-1")  # what compose's `restart: unless-stopped` does
    eventually(lambda: stored_readings(prod) == before + STREAM, f"{STREAM} readings stored with one worker killed")
    eventually(lambda: metric(prod, "ingest-1", "onexp_readings_accepted_total") > 0, "the restarted worker catches up")
    assert stored_readings(prod) == before + STREAM


def job_runs(prod: ProdLocal, role: str) -> float:
    return metric(prod, role, "onexp_job_runs_total", job="deliver_webhooks") + metric(
        prod, role, "onexp_job_runs_total", job="expire_holds"
    )


def book_a_hold(prod: ProdLocal) -> int:
    prod.onexp("users", "add", "holder@acme.example", "--org", "acme", "--role", "customer", "--password", "")
    token = prod.onexp("tokens", "create", "holder@acme.example").strip().splitlines()[-1]
    day = next_weekday(3)
    body = {
        "site": "la-coque", "space": "salle-frioul", "title": "Maybe", "attendees": 4, "hold": True,
        "start": iso(paris(day, 14)), "end": iso(paris(day, 15)),
    }  # fmt: skip
    response = requests.post(
        prod.web_url + "/api/v1/bookings", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_the_standby_scheduler_takes_over_from_a_killed_leader_and_no_job_runs_twice(prod):
    leader = eventually(
        lambda: next((r for r in ("scheduler-1", "scheduler-2") if job_runs(prod, r) > 0), None), "a scheduler leads"
    )
    standby = "scheduler-2" if leader == "scheduler-1" else "scheduler-1"
    leader_runs = job_runs(prod, leader)
    eventually(lambda: job_runs(prod, leader) > leader_runs, "the leader runs its jobs again")  # >= one more cycle
    assert job_runs(prod, standby) == 0  # while the leader lives, the standby runs nothing

    prod.kill(leader)
    booking_id = book_a_hold(prod)
    sql(prod, "UPDATE bookings SET hold_expires_at = now() - interval '1 minute' WHERE id = %s", booking_id)
    eventually(lambda: job_runs(prod, standby) > 0, "the standby took over")
    eventually(
        lambda: sql(prod, "SELECT status FROM bookings WHERE id = %s", booking_id)[0][0] == "expired",
        "the standby expired the hold",
    )
    expiries = sql(prod, "SELECT count(*) FROM booking_events WHERE booking_id = %s AND action = 'expire'", booking_id)
    assert expiries == [(1,)]

    prod.start_role(leader)  # the old leader comes back as the standby
    runs = job_runs(prod, standby)
    eventually(lambda: job_runs(prod, standby) > runs, "the new leader keeps running its jobs")
    assert job_runs(prod, leader) == 0
