"""The ingest worker's Prometheus counters: readings stored, readings refused by reason, lag."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from sensor_support import Device, eventually

pytestmark = pytest.mark.mqtt


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_stored_and_refused_readings_are_counted_by_reason(make_sensor, start_worker, device: Device, now):
    sensor = make_sensor()
    worker = start_worker()
    accepted = sample("onexp_readings_accepted_total")
    malformed = sample("onexp_readings_rejected_total", reason="malformed")
    batches = sample("onexp_ingest_lag_seconds_count")
    device.reading(sensor, count=3, ts=now)
    device.publish(f"onexp/{sensor.site}/{sensor.space}/{sensor.slug}/occupancy", b"{not json")
    # >=: the shared broker may still hold other tests' messages, refused as unknown devices
    eventually(
        lambda: worker.stats["stored"] >= 1 and sample("onexp_readings_rejected_total", reason="malformed") > malformed
    )
    assert sample("onexp_readings_accepted_total") >= accepted + 1
    assert sample("onexp_ingest_lag_seconds_count") > batches
