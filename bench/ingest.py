"""Ingest bench: readings persisted per second against a bare paho subscriber, publish-to-API latency,
and the ingest worker's memory. Figures only; the tests assert behaviour.

Three measurements, each on a throwaway Mosquitto (tests/servers.py) and a fresh database:

- throughput: N readings wait in two persistent sessions (QoS 1); a bare paho subscriber drains one
  (the ceiling in this run), the ingest worker drains the other into the database. Ratio = worker / bare.
- latency: `onexp ingest`, the web (`onexp serve --no-ingest`) and `onexp simulate --sensors 2000
  --rate 1` run as separate processes; probe sensors publish a reading and poll
  GET /api/v1/sensors/<probe> until it shows; p50/p99 of publish → visible.
- memory: `onexp ingest` with 10,000 registered sensors, after one reading from each: VmRSS/VmHWM.

`python -m bench.ingest [--quick] [--backend sqlite|postgresql]`, or through `python -m bench`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parent.parent
ONEXP = str(Path(sys.executable).with_name("onexp"))


# --- servers and database ---------------------------------------------------------------------


@contextlib.contextmanager
def broker() -> Iterator[object]:
    sys.path.insert(0, str(ROOT / "tests"))
    from servers import MosquittoBroker

    with MosquittoBroker(extra_config=["max_inflight_messages 0"]) as server:
        yield server


@contextlib.contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "postgresql":
        sys.path.insert(0, str(ROOT / "tests"))
        from servers import PostgresServer

        with PostgresServer() as server:
            yield server.create_database("onexp_bench_ingest")
    else:
        with tempfile.TemporaryDirectory(prefix="onexp-bench-") as path:
            yield f"sqlite:///{path}/bench.sqlite"


def prepared_app(url: str, mqtt_url: str):
    """The app on a migrated, seeded database."""
    from flask_migrate import upgrade

    from booking import create_app
    from booking.extensions import db
    from booking.services import catalog

    app = create_app({"DATABASE_URL": url, "MQTT_URL": mqtt_url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        catalog.seed_sites(app.config["SITES_FILE"])
        db.session.remove()
    return app


def register_sensors(app, count: int, prefix: str) -> list[tuple[str, str, str]]:
    """Bulk-register `count` counters spread over every space; returns (site, space, slug)."""
    from sqlalchemy import insert, select

    from booking.extensions import db
    from booking.models import Sensor, Space

    with app.app_context():
        spaces = list(db.session.scalars(select(Space).where(Space.active).order_by(Space.id)))
        placed = [(spaces[i % len(spaces)], f"{prefix}-{i:05d}") for i in range(count)]
        db.session.execute(
            insert(Sensor),
            [{"slug": slug, "space_id": space.id, "kind": "counter", "format": "native", "interval_seconds": 60}
             for space, slug in placed],
        )  # fmt: skip
        db.session.commit()
        result = [(space.site.slug, space.slug, slug) for space, slug in placed]
        db.session.remove()
    return result


def env_for(url: str, mqtt_url: str, **extra: str) -> dict[str, str]:
    return dict(os.environ, ONEXP_DATABASE_URL=url, ONEXP_MQTT_URL=mqtt_url, ONEXP_LOG_LEVEL="WARNING", **extra)


# --- MQTT helpers -----------------------------------------------------------------------------


def session_client(server, client_id: str, on_message=None) -> mqtt.Client:
    """A persistent-session MQTTv5 subscriber of native readings, as the worker subscribes."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    properties.ReceiveMaximum = 20000
    subscribed = threading.Event()
    client.on_connect = lambda c, *_: c.subscribe("onexp/+/+/+/occupancy", 1)
    client.on_subscribe = lambda *_: subscribed.set()
    if on_message:
        client.on_message = on_message
    client.connect(server.host, server.port, clean_start=False, properties=properties)
    client.loop_start()
    subscribed.wait(10)
    return client


def publisher(server) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")
    client.max_inflight_messages_set(2000)
    client.max_queued_messages_set(0)
    client.connect(server.host, server.port)
    client.loop_start()
    return client


def publish_readings(server, sensors: list[tuple[str, str, str]], total: int) -> None:
    """`total` native readings with distinct times, round-robin over the sensors, all acknowledged."""
    client = publisher(server)
    start = datetime.now(UTC) - timedelta(hours=1)
    last = None
    for i in range(total):
        site, space, slug = sensors[i % len(sensors)]
        ts = (start + timedelta(milliseconds=i)).isoformat()
        last = client.publish(f"onexp/{site}/{space}/{slug}/occupancy", json.dumps({"count": i % 40, "ts": ts}), qos=1)
    last.wait_for_publish(120)
    while client._out_messages:  # every PUBACK in: the broker holds them all
        time.sleep(0.05)
    client.disconnect()
    client.loop_stop()


# --- 1. throughput ----------------------------------------------------------------------------


def throughput(backend: str, total: int) -> dict:
    from sensors.ingest import IngestWorker

    with broker() as server, database(backend) as url:
        app = prepared_app(url, server.url)
        sensors = register_sensors(app, 200, "tp")
        received = {"n": 0, "first": 0.0, "last": 0.0}
        done = threading.Event()

        def count(_client, _userdata, _message):
            received["n"] += 1
            if received["n"] == 1:
                received["first"] = time.perf_counter()
            if received["n"] == total:
                received["last"] = time.perf_counter()
                done.set()

        # Both sessions exist before anything is published, then wait offline with their queues.
        for client_id in ("bench-bare", "bench-ingest"):
            client = session_client(server, client_id)
            client.disconnect()
            client.loop_stop()
        publish_readings(server, sensors, total)

        bare = session_client(server, "bench-bare", on_message=count)
        done.wait(300)
        bare.disconnect()
        bare.loop_stop()
        bare_rate = total / (received["last"] - received["first"])

        worker = IngestWorker(app, client_id="bench-ingest", door_states=False)
        started = time.perf_counter()
        worker.start()
        while worker.stats["stored"] + worker.stats["duplicates"] < total and time.perf_counter() - started < 600:
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        worker.stop()
        stored = worker.stats["stored"]
    return {
        "backend": backend,
        "readings": total,
        "bare_paho_per_s": round(bare_rate),
        "ingest_per_s": round(stored / elapsed),
        "ratio": round(stored / elapsed / bare_rate, 2),
        "batches": worker.stats["batches"],
    }


# --- 2. latency -------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).ok:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def latency(backend: str, sensors: int, probes: int) -> dict:
    import requests

    with broker() as server, database(backend) as url:
        app = prepared_app(url, server.url)
        probe_sensors = register_sensors(app, 10, "probe")
        with app.app_context():
            from booking.services import accounts

            staff = accounts.create_user("bench@onexperience.example", role="staff", password=None)
            token, _ = accounts.create_token(staff)
        env = env_for(url, server.url)
        port = _free_port()
        processes = [
            subprocess.Popen([ONEXP, "ingest"], env=env),
            subprocess.Popen([ONEXP, "serve", "--no-ingest", "--port", str(port)], env=env, stderr=subprocess.DEVNULL),
        ]
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_http(f"{base}/healthz")
            load = subprocess.Popen(
                [ONEXP, "simulate", "--sensors", str(sensors), "--rate", "1", "--duration", str(probes // 5 + 40)],
                env=env, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            processes.append(load)
            time.sleep(15)  # let the simulator register its sensors and the load settle
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {token}"
            client = publisher(server)
            samples = []
            for i in range(probes):
                site, space, slug = probe_sensors[i % len(probe_sensors)]
                ts = datetime.now(UTC).replace(microsecond=(i % 1000) * 1000)
                payload = json.dumps({"count": i % 50, "ts": ts.isoformat()})
                sent = time.perf_counter()
                client.publish(f"onexp/{site}/{space}/{slug}/occupancy", payload, qos=1)
                while time.perf_counter() - sent < 10:
                    body = http.get(f"{base}/api/v1/sensors/{slug}", timeout=5).json()
                    if body.get("observed_at") and datetime.fromisoformat(body["observed_at"]) == ts:
                        samples.append((time.perf_counter() - sent) * 1000)
                        break
                    time.sleep(0.002)
                time.sleep(0.2)
            client.disconnect()
            client.loop_stop()
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(15)
    samples.sort()
    return {
        "backend": backend,
        "simulated_sensors": sensors,
        "rate_hz": 1,
        "probes": len(samples),
        "lost_probes": probes - len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p99_ms": round(samples[max(0, int(len(samples) * 0.99) - 1)], 1),
        "max_ms": round(samples[-1], 1),
    }


# --- 3. memory --------------------------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) // 1024
    return fields


def memory(backend: str, sensors: int) -> dict:
    from sqlalchemy import func, select

    from booking.extensions import db
    from booking.models import OccupancyReading

    with broker() as server, database(backend) as url:
        app = prepared_app(url, server.url)
        registered = register_sensors(app, sensors, "mem")
        process = subprocess.Popen([ONEXP, "ingest"], env=env_for(url, server.url))
        try:
            time.sleep(5)  # connected and subscribed
            publish_readings(server, registered, sensors)  # one reading from every sensor
            deadline = time.monotonic() + 300
            with app.app_context():
                while db.session.scalar(select(func.count()).select_from(OccupancyReading)) < sensors:
                    db.session.rollback()
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
                db.session.remove()
            time.sleep(2)
            figures = _status(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(15)
    return {
        "backend": backend,
        "registered_sensors": sensors,
        "rss_mb": figures["VmRSS"],
        "peak_rss_mb": figures["VmHWM"],
    }


# --- the suite --------------------------------------------------------------------------------


def run(args) -> dict:
    """Run the three measurements; `args.quick` shrinks them to a smoke test."""
    quick = getattr(args, "quick", False)
    backends = getattr(args, "backend", None) or ["sqlite", "postgresql"]
    result: dict = {"throughput": [], "latency": [], "memory": []}
    for backend in backends:
        figures = throughput(backend, 5_000 if quick else 60_000)
        print(f"throughput [{backend}]: ingest {figures['ingest_per_s']}/s, bare paho {figures['bare_paho_per_s']}/s,"
              f" ratio {figures['ratio']} (target >= 0.4 and >= 10,000/s)", flush=True)  # fmt: skip
        result["throughput"].append(figures)
    for backend in backends:
        figures = latency(backend, 200 if quick else 2000, 20 if quick else 300)
        print(f"latency [{backend}]: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms with"
              f" {figures['simulated_sensors']} sensors at 1 Hz (target p99 <= 200 ms)", flush=True)  # fmt: skip
        result["latency"].append(figures)
    figures = memory(backends[0], 1_000 if quick else 10_000)
    print(f"memory [{figures['backend']}]: RSS {figures['rss_mb']} MB (peak {figures['peak_rss_mb']} MB)"
          f" with {figures['registered_sensors']} sensors (target <= 120 MB)", flush=True)  # fmt: skip
    result["memory"].append(figures)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    print(json.dumps(run(parser.parse_args()), indent=2))
