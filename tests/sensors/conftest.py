"""Fixtures for the MQTT side: sensors in the registry, an ingest worker, a device publishing."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sensor_support import DEADLINE, Device, forget_session, unique

from booking.extensions import db


@pytest.fixture
def make_sensor(app):
    """``make_sensor(kind="counter", space="showroom", ...)`` -> (id, slug, site, space) of a new sensor."""
    from booking.services import sensors

    def make(slug: str | None = None, *, site: str = "la-coque", space: str = "showroom", **values):
        sensor = sensors.add_sensor(slug or unique(values.get("kind", "counter")), site=site, space=space, **values)
        made = SimpleNamespace(id=sensor.id, slug=sensor.slug, site=site, space=space)
        # End the read transaction: on SQLite it holds the write lock the worker needs.
        db.session.rollback()
        return made

    return make


@pytest.fixture
def device(mqtt_broker):
    publisher = Device(mqtt_broker)
    yield publisher
    publisher.close()


@pytest.fixture
def start_worker(app, mqtt_broker):
    """``start_worker(**options)`` -> a running IngestWorker on the test broker, connected."""
    from sensors.ingest import IngestWorker

    workers = []
    client_id = unique("ingest")

    def start(**options):
        options.setdefault("client_id", client_id)
        worker = IngestWorker(app, url=mqtt_broker.url, **options).start()
        workers.append(worker)
        assert worker.connected.wait(DEADLINE), "the worker did not connect"
        assert worker.subscribed.wait(DEADLINE), "the worker did not subscribe"
        return worker

    yield start
    # End the test's last read first: on SQLite it holds the write lock (BEGIN IMMEDIATE), and a
    # worker stopping finishes its batch and settles its spaces, so it would wait for the lock
    # until stop() gave up on it (10 s) and left it writing into the next test's database.
    db.session.rollback()
    for worker in workers:
        if not worker.stopping.is_set():
            worker.stop()
    if mqtt_broker.proc is not None or mqtt_broker.external_url:
        forget_session(mqtt_broker, client_id)


@pytest.fixture
def now():
    return datetime.now(UTC)
