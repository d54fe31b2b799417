"""The sensor commands: registry from the CLI, the simulator, and `onexp ingest` as a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sensor_support import eventually, forget_session, topic_of, unique
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import OccupancyReading, Sensor
from sensors.cli import sensors as sensors_command


def stored(sensor_id: int) -> int:
    return db.session.scalar(select(func.count()).where(OccupancyReading.sensor_id == sensor_id))


def test_sensors_add_registers_a_sensor(runner):
    result = runner.invoke(sensors_command, ["add", "pc-42", "--site", "la-coque", "--space", "showroom"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Sensor.kind).where(Sensor.slug == "pc-42")) == "counter"


def test_sensors_add_explains_a_refusal(runner):
    result = runner.invoke(sensors_command, ["add", "pc-42", "--site", "la-coque", "--space", "nowhere"])
    assert result.exit_code != 0
    assert "unknown space" in result.output


@pytest.mark.mqtt
def test_simulator_feeds_every_space_and_its_flaky_sensor_drops_off_with_its_last_will(app, mqtt_broker, start_worker):
    from sensors.simulate import Simulator

    simulator = Simulator(app, url=mqtt_broker.url, rate=5, duration=20)
    simulator.flaky_cycle, simulator.flaky_down = 1.0, 0.5
    sensors = simulator.register()
    db.session.rollback()
    start_worker()
    thread = threading.Thread(target=simulator.run)
    thread.start()
    try:
        counters = [s for s in sensors if s.kind == "counter"]
        eventually(
            lambda: all(stored(db.session.scalar(select(Sensor.id).where(Sensor.slug == s.slug))) for s in counters)
        )
        flaky = counters[0].slug
        eventually(lambda: db.session.scalar(select(Sensor.status).where(Sensor.slug == flaky)) == "offline")
    finally:
        simulator.stop()
        thread.join(10)


@pytest.mark.mqtt
def test_a_sigkilled_ingest_process_loses_no_reading(database_url, make_sensor, mqtt_broker, device, now):
    sensor, probe = make_sensor(), make_sensor()
    client_id = unique("ingest-process")
    env = dict(os.environ, ONEXP_DATABASE_URL=database_url, ONEXP_MQTT_URL=mqtt_broker.url,
               ONEXP_MQTT_CLIENT_ID=client_id, ONEXP_LOG_LEVEL="WARNING")  # fmt: skip
    command = [os.path.join(os.path.dirname(sys.executable), "onexp"), "ingest"]
    processes = [subprocess.Popen(command, env=env)]
    try:
        ticks = iter(range(10_000))

        def probe_stored():  # proves the session exists: from here on the broker keeps our readings
            device.reading(probe, count=1, ts=now - timedelta(seconds=next(ticks)))
            return stored(probe.id)

        eventually(probe_stored, timeout=60)
        total = 400
        for i in range(total):
            if i == total // 2:
                processes[-1].send_signal(signal.SIGKILL)
                processes[-1].wait()
                processes.append(subprocess.Popen(command, env=env))
            payload = json.dumps({"count": i % 20, "ts": (now - timedelta(seconds=total - i)).isoformat()})
            device.publish(topic_of(sensor), payload)
        eventually(lambda: stored(sensor.id) == total, timeout=60, message=f"{total} readings stored")
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(10)
        forget_session(mqtt_broker, client_id)
