"""Faults and probes for the production topology (tests/topology.py), shared by the fault tests and the
fault-injected soak (bench/soak_faults.py): a QoS 1 device, readings stored, a role's metrics, and
who led the scheduler when, read back from the schedulers' own JSON logs.

    device = Device(prod, "pc-1")                       # a registered sensor with a broker account
    device.publish(3, datetime.now(UTC))                # returns once the broker acknowledged it
    restart_broker_and_wait_for_a_subscriber(prod, device)
    stored_readings(prod, "pc-1", since=started)
    leader = leading_scheduler(prod); prod.kill(leader)
    jobs_run_twice(leadership_terms(prod, deaths))      # the same job run by two leaders at once
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import psycopg
import requests
from paho.mqtt.enums import CallbackAPIVersion
from topology import ProdLocal

DEADLINE = 60.0  # seconds any one expectation may take
SCHEDULERS = ("scheduler-1", "scheduler-2")


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


def stored_readings(prod: ProdLocal, sensor: str, since: datetime | None = None, until: datetime | None = None) -> int:
    """Readings of ``sensor`` stored so far (observed in [since, until) when given)."""
    query = "SELECT count(*) FROM occupancy_readings r JOIN sensors s ON s.id = r.sensor_id WHERE s.slug = %s"
    params: list = [sensor]
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
    """A sensor: QoS 1, publishing each reading again until the broker acknowledged it."""

    def __init__(self, prod: ProdLocal, sensor: str):
        url = urlsplit(prod.device_url(sensor))
        self.sensor = sensor
        self.topic = f"onexp/la-coque/showroom/{sensor}/occupancy"
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{sensor}-device")
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


def restart_broker_and_wait_for_a_subscriber(prod: ProdLocal, device: Device) -> int:
    """Restart Mosquitto, then probe until an ingest worker stores readings again; the probes sent.

    Mosquitto 2.0 restores persistent sessions and their queued messages, but not their *shared*
    subscriptions: until a worker has reconnected and subscribed again, what devices publish has
    no subscriber and is dropped (see README, "Running in production"). Probe readings (an hour in
    the past, outside any stream) find the moment the workers are back.
    """
    prod.broker.restart()
    probe = datetime.now(UTC) - timedelta(hours=1)
    probes_end = probe + timedelta(minutes=30)  # only probes count: stream readings redelivered now must not
    stored = stored_readings(prod, device.sensor, until=probes_end)
    probes = 0

    def probed() -> bool:
        nonlocal probe, probes
        probe += timedelta(seconds=1)
        device.publish(0, probe)
        probes += 1
        return stored_readings(prod, device.sensor, until=probes_end) > stored

    eventually(probed, "an ingest worker subscribed again after the restart")
    return probes


# --- who led the scheduler, from the schedulers' JSON logs ------------------------------------

LOG_TIME = "%Y-%m-%d %H:%M:%S,%f"  # python-json-logger's asctime, in the machine's local time
JOB_DONE = re.compile(r"job (\S+): ")  # booking.jobs logs "job <id>: <result>" after a run that succeeded


@dataclass
class Term:
    """One stretch during which ``role`` believed it led: from its "leads" line to "stopped leading"
    (or to its death when it was killed); ``end`` is None while it still leads."""

    role: str
    start: datetime
    end: datetime | None = None
    runs: list[tuple[datetime, str]] = field(default_factory=list)  # (when, job id) of the runs it finished


def _records(prod: ProdLocal, role: str) -> list[tuple[datetime, str]]:
    path = prod.log_file(role)
    if not path.exists():
        return []
    records = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
            records.append((datetime.strptime(record["time"], LOG_TIME), record["message"]))
        except (ValueError, KeyError, TypeError):
            continue  # not one of our JSON lines (a traceback, gunicorn's own output)
    return records


def leadership_terms(prod: ProdLocal, deaths: dict[str, list[datetime]] | None = None) -> list[Term]:
    """Every scheduler's terms, with the job runs inside each. ``deaths``: when each role was killed
    (local naive times, like the logs'), since a killed leader writes no "stopped leading"."""
    terms: list[Term] = []
    for role in SCHEDULERS:
        killed = sorted((deaths or {}).get(role, []))
        for when, message in _records(prod, role):
            current = terms[-1] if terms and terms[-1].role == role and terms[-1].end is None else None
            ends = message.endswith(" stopped leading") or " waiting for leadership" in message  # or a new process
            if current and (ends or " leads (term " in message):
                died = next((t for t in killed if t >= current.start), None)
                current.end = min(when, died) if died else when
            if " leads (term " in message:
                terms.append(Term(role, when))
            elif current and not ends and (done := JOB_DONE.match(message)):
                current.runs.append((when, done.group(1)))
        last = terms[-1] if terms and terms[-1].role == role else None
        if last and last.end is None:
            last.end = next((t for t in killed if t >= last.start), None)  # killed for good, or still leading
    return terms


def leading_scheduler(prod: ProdLocal) -> str | None:
    """The live scheduler whose last term is still open."""
    alive = prod.running()
    return next((t.role for t in leadership_terms(prod) if t.end is None and t.role in alive), None)


def jobs_run_twice(terms: list[Term]) -> list[tuple[str, datetime, datetime]]:
    """Each job that two schedulers both ran while both believed they led: (job, one run, the other)."""
    twice = []
    for i, a in enumerate(terms):
        for b in terms[i + 1 :]:
            if a.role == b.role:
                continue
            start, end = max(a.start, b.start), min(a.end or datetime.max, b.end or datetime.max)
            if start >= end:
                continue
            inside_b = [(when, job) for when, job in b.runs if start <= when <= end]
            for when_a, job in a.runs:
                if start <= when_a <= end:
                    twice += [(job, when_a, when_b) for when_b, other in inside_b if other == job]
    return twice
