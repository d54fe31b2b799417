"""The ingest store's contract: its SQL applies readings exactly as the pure rule does.

The store writes a batch with one array UPDATE per dialect (booking/store/readings.py); the rule
is `booking.presence.apply_reading`, folded over each batch's new readings in time order. The same
batches go through both and the sensors must end in the same state, whatever the mix: duplicates
within and across batches, late readings, headcounts, presence-only readings, line crossings.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from booking import presence
from booking.extensions import db
from booking.models import Sensor
from booking.services import readings, sensors

T0 = datetime.now(UTC).replace(microsecond=0)
_names = itertools.count()

values = st.one_of(
    st.fixed_dictionaries({"count": st.integers(0, 9)}),
    st.fixed_dictionaries({"count": st.integers(0, 9), "present": st.booleans()}),
    st.fixed_dictionaries({"present": st.booleans()}),
    st.fixed_dictionaries({"entered": st.integers(0, 4)}),
    st.fixed_dictionaries({"exited": st.integers(0, 4)}),
    st.fixed_dictionaries({"entered": st.integers(0, 4), "exited": st.integers(0, 4)}),
)
# (which sensor, observed at second n, seconds it took to arrive, battery, the values)
reading = st.tuples(st.integers(0, 2), st.integers(0, 9), st.integers(0, 3), st.none() | st.integers(0, 100), values)
batches = st.lists(st.lists(reading, max_size=10), min_size=1, max_size=5)


def fold(state: presence.SensorState, applied) -> presence.SensorState:
    for r in sorted(applied, key=lambda r: r.observed_at):
        state = presence.apply_reading(
            state, r.observed_at, count=r.count, present=r.present, entered=r.entered, exited=r.exited
        )
    return state


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches)
# the newest reading is newer than the state, the newest headcount is not: the count stays
@example([[(0, 5, 0, None, {"count": 1})], [(0, 2, 0, None, {"count": 3}), (0, 8, 0, None, {"present": False})]])
# a headcount then a presence-only reading in one batch: the headcount stands
@example([[(0, 1, 0, None, {"count": 5}), (0, 2, 0, None, {"present": True})]])
def test_the_stores_sql_and_the_pure_rule_agree(app, batches):
    ids = [
        sensors.add_sensor(f"contract-{next(_names)}", site="la-coque", space="showroom", format="senml").id
        for _ in range(3)
    ]
    expected = {i: presence.SensorState(str(i), "counter", 60) for i in ids}
    last_seen: dict[int, datetime] = {}
    stored: set[tuple[int, datetime]] = set()
    for made in batches:
        batch = [
            readings.SensorReading(ids[k], T0 + timedelta(seconds=s), T0 + timedelta(seconds=s + late),
                                    battery=battery, **v)
            for k, s, late, battery, v in made
        ]  # fmt: skip
        readings.record_readings(readings.Batch(readings=batch), T0)
        new: dict[tuple[int, datetime], readings.SensorReading] = {}
        for r in batch:  # the first of a batch's duplicates is the one kept
            new.setdefault((r.sensor, r.observed_at), r)
            last_seen[r.sensor] = max(last_seen.get(r.sensor, r.received_at), r.received_at)
        for key in list(new):
            crossing = new[key].count is None and new[key].present is None
            if key in stored and crossing:
                del new[key]  # a crossing already stored never counts twice
            stored.add(key)
        for sensor in ids:
            expected[sensor] = fold(expected[sensor], [r for r in new.values() if r.sensor == sensor])
    db.session.expire_all()
    for sensor in ids:
        row = db.session.get(Sensor, sensor)
        want = expected[sensor]
        assert (row.observed_at, row.count, row.present) == (want.observed_at, want.count, want.present)
        assert row.last_seen_at == last_seen.get(sensor)
