"""Thousands of hostile payloads: each refused one is counted by reason, and good readings still flow."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sensor_support import eventually, topic_of
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import IngestRejection, OccupancyReading
from sensors.payloads import MAX_PAYLOAD_BYTES, PayloadRejected, decode

pytestmark = pytest.mark.mqtt

HOSTILE_PAYLOADS = 2000

NOW = datetime.now(UTC)
# Times far from the edges of the accepted window, so the verdict cannot change in transit.
TIMES = st.sampled_from(
    [
        (NOW + timedelta(days=2)).isoformat(),  # future
        (NOW - timedelta(days=3)).isoformat(),  # very old
        "2026-11-26T10:00:00",  # no offset
        "yesterday",  # not a time
        "",
    ]
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**7), max_value=10**7),  # negative and absurd counts included
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    TIMES,
)
JSON_OBJECTS = st.dictionaries(
    st.sampled_from(["count", "present", "ts", "battery", "COUNT", "occupancy", "people"]), VALUES, max_size=4
).map(lambda body: json.dumps(body).encode())
HOSTILE = st.one_of(
    st.binary(max_size=300),  # anything at all
    st.text(max_size=100).map(str.encode),
    JSON_OBJECTS,
    JSON_OBJECTS.map(lambda raw: raw[: len(raw) // 2]),  # truncated
    st.integers(min_value=1, max_value=4096).map(lambda n: b"[" * n),  # deep nesting
    st.integers(min_value=1, max_value=64).map(lambda n: b" " * (MAX_PAYLOAD_BYTES + n)),  # oversized
    st.just(b'{"count": 1000000}'),  # absurd
    st.just(b'{"count": NaN}'),  # not JSON
)


def verdict(payload: bytes) -> str | None:
    """What the worker must decide about a payload: a rejection reason, or None when it is valid."""
    try:
        decode(payload, "native", received_at=datetime.now(UTC))
    except PayloadRejected as rejected:
        return rejected.reason
    return None


def test_hostile_payloads_are_counted_by_reason_and_good_readings_still_flow(make_sensor, start_worker, device, now):
    sensor = make_sensor()
    worker = start_worker()
    expected: Counter[str] = Counter()

    @settings(
        max_examples=HOSTILE_PAYLOADS,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(payload=HOSTILE)
    def publish(payload):
        reason = verdict(payload)
        if reason is not None:
            expected[reason] += 1
            device.publish(topic_of(sensor), payload)

    publish()
    assert sum(expected.values()) > HOSTILE_PAYLOADS // 2

    def counted():
        rows = db.session.scalars(select(IngestRejection).where(IngestRejection.sensor == sensor.slug))
        return {row.reason: row.count for row in rows} == dict(expected)

    eventually(counted, message=f"rejections counted as {dict(expected)}")
    assert worker.writer.is_alive()

    device.reading(sensor, count=12, ts=now)
    eventually(lambda: db.session.scalar(select(func.count()).where(OccupancyReading.sensor_id == sensor.id)) == 1)
