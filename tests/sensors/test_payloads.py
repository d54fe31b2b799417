"""Payload adapters: what each sensor format turns into, and what is refused and why."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.payloads import (
    FORMATS,
    MAX_AGE,
    MAX_CLOCK_SKEW,
    MAX_COUNT,
    MAX_PAYLOAD_BYTES,
    REASONS,
    PayloadRejected,
    Reading,
    decode,
    parse_homeassistant,
    parse_milesight,
    parse_native,
    parse_senml,
    parse_status,
    parse_zigbee2mqtt,
)

# Every test receives its message at the same instant, 09:05 UTC on 26 November 2026.
RECEIVED = datetime(2026, 11, 26, 9, 5, tzinfo=UTC)
RECEIVED_EPOCH = int(RECEIVED.timestamp())

# Zigbee2MQTT's documented state of an Aqara motion sensor.
Z2M_STATE = {"occupancy": True, "battery": 100, "illuminance": 381, "linkquality": 120,
             "voltage": 3005}  # fmt: skip

# Milesight's VS121 interval report as documented, made valid JSON (the vendor's page has
# comments and missing commas), with both spellings of max_counted, shifted to our day.
VS121_REPORT = {
    "event": "Region People Counting",
    "report_type": "interval",
    "device_info": {
        "device": "Workplace Sensor",
        "device_sn": "369362028335",
        "device_mac": "00:16:28:FA:8E:68",
        "ip_address": "192.168.0.99",
    },
    "time_info": {
        "timezone": "UTC+8:00",
        "dst_status": False,
        "start_time": "2026/11/26 16:00:00",
        "end_time": "2026/11/26 17:00:00",
    },
    "current_total": 10,
    "max_counted": 12,
    "Max_counted": 12,
    "total_mapped_regions": 2,
    "numbering_regions": [1, 2],
    "current_counted": [5, 5],
    "occupancy": [1, 0],
}


def as_bytes(value: object) -> bytes:
    return json.dumps(value).encode()


def rejection(parse, payload: bytes) -> str:
    with pytest.raises(PayloadRejected) as caught:
        parse(payload, received_at=RECEIVED)
    return caught.value.reason


def milesight(**changes: object) -> bytes:
    """The VS121 report with top-level keys replaced (None removes a key)."""
    report = {**VS121_REPORT, **changes}
    return as_bytes({k: v for k, v in report.items() if v is not None})


def milesight_time(**time_info: object) -> bytes:
    return milesight(time_info={**VS121_REPORT["time_info"], **time_info})


# --- Reading and PayloadRejected ------------------------------------------------------------


def test_rejection_carries_its_reason():
    assert PayloadRejected("too_old", "a day late").reason == "too_old"


def test_rejection_reasons_are_a_fixed_set():
    with pytest.raises(ValueError):
        PayloadRejected("bad vibes")


def test_reading_refuses_a_naive_time():
    with pytest.raises(ValueError):
        Reading(observed_at=datetime(2026, 11, 26, 9, 0), count=1)


def test_battery_only_reading_has_no_occupancy():
    assert not Reading(observed_at=RECEIVED, battery=80).has_occupancy


# --- native ---------------------------------------------------------------------------------


def test_native_count_with_offset_is_stored_in_utc():
    reading = parse_native(b'{"count": 12, "ts": "2026-11-26T10:00:00+01:00"}', received_at=RECEIVED)
    assert reading.count == 12
    assert reading.observed_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert reading.observed_at.utcoffset() == timedelta(0)


def test_native_presence_is_read():
    reading = parse_native(b'{"present": true, "ts": "2026-11-26T09:04:00Z"}', received_at=RECEIVED)
    assert reading.present is True
    assert reading.count is None


def test_native_count_and_presence_may_come_together():
    reading = parse_native(b'{"count": 3, "present": true}', received_at=RECEIVED)
    assert (reading.count, reading.present) == (3, True)


def test_native_count_contradicting_presence_is_malformed():
    assert rejection(parse_native, b'{"count": 0, "present": true}') == "malformed"


def test_native_without_ts_is_observed_when_received():
    assert parse_native(b'{"count": 1}', received_at=RECEIVED).observed_at == RECEIVED


def test_native_battery_is_kept():
    assert parse_native(b'{"count": 1, "battery": 57}', received_at=RECEIVED).battery == 57


def test_native_extra_keys_and_key_case_are_tolerated():
    reading = parse_native(b'{"Count": 4, "firmware": "1.2.3", "rssi": -70}', received_at=RECEIVED)
    assert reading.count == 4


def test_native_whole_float_count_is_tolerated():
    assert parse_native(b'{"count": 12.0}', received_at=RECEIVED).count == 12


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"count": true}', "wrong_type"),  # JSON true must not count as one person
        (b'{"count": 12.5}', "wrong_type"),  # half a visitor
        (b'{"count": "12"}', "wrong_type"),  # our own format sends numbers as numbers
        (b'{"present": 1}', "wrong_type"),  # presence is a boolean
        (b'{"present": "true"}', "wrong_type"),  # ...and not a string either
        (b'{"count": -1}', "out_of_range"),  # negative headcount
        (b'{"count": 10001}', "out_of_range"),  # above MAX_COUNT
        (b'{"count": 1e400}', "out_of_range"),  # overflows to infinity
        (b'{"count": 1, "battery": 101}', "out_of_range"),  # battery above 100 %
        (b'{"count": 1, "battery": -1}', "out_of_range"),  # battery below 0 %
        (b'{"count": 1, "battery": true}', "wrong_type"),  # battery as a boolean
        (b'{"count": NaN}', "malformed"),  # not JSON, though Python would accept it
        (b'{"count": Infinity}', "malformed"),  # same
        (b'{"count": 12', "malformed"),  # truncated
        (b"[12]", "malformed"),  # not an object
        (b'"12"', "malformed"),  # a bare string
        (b"\xff\xfe{}", "malformed"),  # not UTF-8
        (b"", "empty"),  # nothing at all
        (b"  \n", "empty"),  # only whitespace
        (b"{}", "empty"),  # an empty object
        (b'{"ts": "2026-11-26T09:00:00Z"}', "empty"),  # a time and nothing observed
        (b'{"count": null}', "empty"),  # null is absent
    ],
)
def test_native_rejects_what_is_wrong(payload, reason):
    assert rejection(parse_native, payload) == reason


@pytest.mark.parametrize(
    ("ts", "reason"),
    [
        ("2026-11-26T10:00:00", "malformed"),  # naive: no offset, moment unknown
        ("2026-11-26", "malformed"),  # a date is not a moment
        ("yesterday", "malformed"),  # not ISO 8601
        (1764147600, "wrong_type"),  # epoch seconds are not our format
        ("2026-11-26T09:10:01Z", "future"),  # just over MAX_CLOCK_SKEW ahead
        ("2026-11-25T09:04:59Z", "too_old"),  # just over MAX_AGE old
        ("0001-01-01T00:00:00+01:00", "malformed"),  # before the calendar once in UTC
    ],
)
def test_native_ts_must_be_iso_8601_with_offset_within_the_window(ts, reason):
    assert rejection(parse_native, as_bytes({"count": 1, "ts": ts})) == reason


@pytest.mark.parametrize(
    "ts",
    [
        "2026-11-26T09:10:00Z",  # exactly MAX_CLOCK_SKEW ahead
        "2026-11-25T09:05:00Z",  # exactly MAX_AGE old
        "2026-11-26T09:05:00.123456+00:00",  # microseconds
        "2026-11-26T04:05:00-05:00",  # a negative offset
    ],
)
def test_native_ts_at_the_window_edges_is_accepted(ts):
    assert parse_native(as_bytes({"count": 1, "ts": ts}), received_at=RECEIVED).count == 1


def test_window_constants_are_as_documented():
    assert (timedelta(minutes=5), timedelta(hours=24)) == (MAX_CLOCK_SKEW, MAX_AGE)


def test_native_byte_order_mark_is_tolerated():
    assert parse_native(b'\xef\xbb\xbf{"count": 2}', received_at=RECEIVED).count == 2


def test_duplicate_key_with_different_values_is_malformed():
    assert rejection(parse_native, b'{"count": 1, "COUNT": 500}') == "malformed"


def test_adapter_needs_an_aware_receive_time():
    with pytest.raises(ValueError):
        parse_native(b'{"count": 1}', received_at=datetime(2026, 11, 26, 9, 5))


# --- Zigbee2MQTT ----------------------------------------------------------------------------


def test_zigbee2mqtt_documented_state_is_presence_with_battery():
    reading = parse_zigbee2mqtt(as_bytes(Z2M_STATE), received_at=RECEIVED)
    assert reading == Reading(observed_at=RECEIVED, present=True, battery=100)


def test_zigbee2mqtt_keeps_nothing_but_presence_and_battery():
    # illuminance, linkquality and voltage are dropped: Reading has no field for them.
    reading = parse_zigbee2mqtt(as_bytes(Z2M_STATE), received_at=RECEIVED)
    assert (reading.count, reading.entered, reading.exited, reading.device_serial) == (None,) * 4


def test_zigbee2mqtt_occupancy_false_is_absence():
    reading = parse_zigbee2mqtt(b'{"occupancy": false}', received_at=RECEIVED)
    assert reading.present is False


def test_zigbee2mqtt_mmwave_presence_counts_as_occupancy():
    assert parse_zigbee2mqtt(b'{"presence": true}', received_at=RECEIVED).present is True


def test_zigbee2mqtt_battery_only_update_is_a_reading_without_occupancy():
    reading = parse_zigbee2mqtt(b'{"battery": 91, "linkquality": 87}', received_at=RECEIVED)
    assert (reading.present, reading.battery, reading.has_occupancy) == (None, 91, False)


def test_zigbee2mqtt_fractional_battery_is_rounded():
    assert parse_zigbee2mqtt(b'{"battery": 97.6}', received_at=RECEIVED).battery == 98


@pytest.mark.parametrize(
    ("last_seen", "observed"),
    [
        ("2026-11-26T09:04:30.000Z", datetime(2026, 11, 26, 9, 4, 30, tzinfo=UTC)),  # ISO_8601
        ("2026-11-26T10:04:30+01:00", datetime(2026, 11, 26, 9, 4, 30, tzinfo=UTC)),  # _local
        ((RECEIVED_EPOCH - 30) * 1000, datetime(2026, 11, 26, 9, 4, 30, tzinfo=UTC)),  # epoch ms
    ],
)
def test_zigbee2mqtt_last_seen_is_the_observation_time(last_seen, observed):
    payload = as_bytes({"occupancy": True, "last_seen": last_seen})
    assert parse_zigbee2mqtt(payload, received_at=RECEIVED).observed_at == observed


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"linkquality": 120, "voltage": 3005}, "empty"),  # nothing about people or battery
        ({"occupancy": "true"}, "wrong_type"),  # a string is not a boolean
        ({"occupancy": 1}, "wrong_type"),  # nor is a number
        ({"occupancy": True, "battery": 200}, "out_of_range"),  # a confused battery
        ({"occupancy": True, "last_seen": RECEIVED_EPOCH}, "too_old"),  # seconds, not ms: 1970
        ({"occupancy": True, "last_seen": (RECEIVED_EPOCH + 600) * 1000}, "future"),  # 10 min
        ({"occupancy": True, "last_seen": True}, "wrong_type"),  # neither string nor number
        ({"occupancy": True, "last_seen": "2026-11-26 09:04"}, "malformed"),  # no offset
        ([True], "malformed"),  # attribute output mode is not supported
    ],
)
def test_zigbee2mqtt_rejects_what_is_wrong(payload, reason):
    assert rejection(parse_zigbee2mqtt, as_bytes(payload)) == reason


def test_zigbee2mqtt_attribute_output_plain_value_is_malformed():
    assert rejection(parse_zigbee2mqtt, b"true") == "malformed"


# --- Milesight ------------------------------------------------------------------------------


def test_milesight_interval_report_is_the_current_total():
    reading = parse_milesight(milesight(), received_at=RECEIVED)
    assert reading.count == 10


def test_milesight_end_time_in_utc_plus_8_is_converted_to_utc():
    reading = parse_milesight(milesight(), received_at=RECEIVED)
    assert reading.observed_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_milesight_device_serial_is_kept_but_not_its_mac():
    reading = parse_milesight(milesight(), received_at=RECEIVED)
    assert reading.device_serial == "369362028335"
    assert "00:16:28" not in repr(reading)


def test_milesight_without_total_sums_the_regions():
    reading = parse_milesight(milesight(current_total=None, current_counted=[2, 3, 4]), received_at=RECEIVED)
    assert reading.count == 9


def test_milesight_key_case_variants_are_tolerated():
    payload = milesight(current_total=None, Current_Total=7, max_counted=None)
    assert parse_milesight(payload, received_at=RECEIVED).count == 7


def test_milesight_numeric_strings_are_tolerated():
    assert parse_milesight(milesight(current_total="10"), received_at=RECEIVED).count == 10


def test_milesight_serial_sent_as_a_number_is_kept_as_text():
    payload = milesight(device_info={"device_sn": 369362028335})
    assert parse_milesight(payload, received_at=RECEIVED).device_serial == "369362028335"


@pytest.mark.parametrize(
    ("zone", "end_time", "observed"),
    [
        ("UTC+8:00", "2026/11/26 17:00:00", datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),  # as doc
        ("UTC-05:00", "2026/11/26 04:00:00", datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),  # west
        ("UTC+5:30", "2026/11/26 14:30:00", datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),  # India
        ("UTC", "2026/11/26 09:00:00", datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),  # no offset
        ("utc+01:00", "2026-11-26 10:00:00", datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),  # untidy
        ("GMT+1", "2026/11/26 10:00", datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),  # no seconds
    ],
)
def test_milesight_wall_clock_and_timezone_give_utc(zone, end_time, observed):
    payload = milesight_time(timezone=zone, end_time=end_time)
    assert parse_milesight(payload, received_at=RECEIVED).observed_at == observed


def test_milesight_dst_adds_an_hour_to_the_standard_offset():
    # Paris in summer: standard offset UTC+1, DST in force, wall clock 11:00 is 09:00 UTC.
    payload = milesight_time(timezone="UTC+1:00", dst_status=True, end_time="2026/11/26 11:00:00")
    reading = parse_milesight(payload, received_at=RECEIVED)
    assert reading.observed_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_milesight_trigger_report_time_is_used():
    payload = milesight(report_type=None, time_info={"timezone": "UTC", "time": "2026/11/26 09:04:00"})
    assert parse_milesight(payload, received_at=RECEIVED).observed_at == datetime(2026, 11, 26, 9, 4, tzinfo=UTC)


def test_milesight_without_time_info_is_observed_when_received():
    assert parse_milesight(milesight(time_info=None), received_at=RECEIVED).observed_at == RECEIVED


def test_milesight_interval_line_crossings_are_deltas():
    payload = as_bytes({"report_type": "interval", "in": 3, "out": 1})
    reading = parse_milesight(payload, received_at=RECEIVED)
    assert (reading.entered, reading.exited, reading.count) == (3, 1, None)


def test_milesight_accumulated_line_crossings_give_the_headcount():
    # Totals since the nightly reset: who is inside now is in minus out.
    payload = as_bytes({"report_type": "accumulated", "in": 40, "out": 31})
    reading = parse_milesight(payload, received_at=RECEIVED)
    assert (reading.count, reading.entered, reading.exited) == (9, None, None)


def test_milesight_accumulated_with_more_out_than_in_is_an_empty_room():
    payload = as_bytes({"report_type": "accumulated", "in": 3, "out": 5})
    assert parse_milesight(payload, received_at=RECEIVED).count == 0


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (milesight_time(timezone=None), "malformed"),  # wall clock without a zone
        (milesight_time(timezone="Europe/Paris"), "malformed"),  # a zone name, not an offset
        (milesight_time(timezone="UTC+15:00"), "malformed"),  # no such offset
        (milesight_time(timezone=8), "wrong_type"),  # a number
        (milesight_time(end_time="20/12/2022 19:15"), "malformed"),  # day first
        (milesight_time(end_time="2026/02/30 10:00:00"), "malformed"),  # no such day
        (milesight_time(dst_status="maybe"), "wrong_type"),  # neither true nor false
        (milesight_time(end_time="2026/11/26 17:11:00"), "future"),  # 6 min ahead in UTC+8
        (milesight_time(end_time="2022/12/20 19:15:52"), "too_old"),  # the vendor's own date
        (milesight(current_total=-1), "out_of_range"),  # negative
        (milesight(current_total=True), "wrong_type"),  # boolean
        (milesight(current_total="ten"), "wrong_type"),  # words
        (milesight(current_total=None, current_counted=5), "wrong_type"),  # not a list
        (milesight(current_total=None, current_counted=[6000, 6000]), "out_of_range"),  # sum
        (milesight(current_total=None, current_counted=None), "empty"),  # no count at all
        (milesight(device_info={"device_sn": "369 362"}), "malformed"),  # not a serial
        (milesight(device_info="369362028335"), "wrong_type"),  # not an object
        (as_bytes({"event": "Heat Map", "report_type": "interval"}), "empty"),  # not counts
        (
            b'{"event": "Region People Counting", "current_total": 10 "max_counted": 12}',
            "malformed",
        ),  # the vendor's example as printed: a comma missing
    ],
)
def test_milesight_rejects_what_is_wrong(payload, reason):
    assert rejection(parse_milesight, payload) == reason


def test_milesight_snapshot_makes_the_payload_oversized():
    # The HTTP variant embeds a JPEG; over MQTT it should not appear, and it is never kept.
    payload = milesight(snapshot="/9j/" + "A" * MAX_PAYLOAD_BYTES)
    assert rejection(decode_as("milesight"), payload) == "oversized"


def decode_as(fmt: str):
    return lambda payload, *, received_at: decode(payload, fmt, received_at=received_at)


# --- SenML ----------------------------------------------------------------------------------


def senml(*records: dict) -> bytes:
    return as_bytes(list(records))


def test_senml_documented_pack_is_a_headcount():
    # The pack from SENSORS.md, moved to our day (bt is absolute: above 2**28).
    payload = senml({"bn": "urn:dev:mac:0024befffe804ff1:", "bt": RECEIVED_EPOCH - 300,
                     "n": "occupancy", "u": "count", "v": 3})  # fmt: skip
    reading = parse_senml(payload, received_at=RECEIVED)
    assert reading.count == 3
    assert reading.observed_at == RECEIVED - timedelta(minutes=5)


def test_senml_base_name_is_the_device_serial():
    payload = senml({"bn": "urn:dev:mac:0024befffe804ff1:", "n": "occupancy", "u": "count", "v": 3})
    assert parse_senml(payload, received_at=RECEIVED).device_serial == "urn:dev:mac:0024befffe804ff1"


def test_senml_time_is_base_time_plus_record_time():
    payload = senml({"bt": RECEIVED_EPOCH, "n": "count", "v": 3, "t": -60})
    assert parse_senml(payload, received_at=RECEIVED).observed_at == RECEIVED - timedelta(minutes=1)


@pytest.mark.parametrize(
    ("record", "observed"),
    [
        ({"n": "count", "v": 1}, RECEIVED),  # no time at all: "now"
        ({"n": "count", "v": 1, "t": 0}, RECEIVED),  # zero: "now"
        ({"n": "count", "v": 1, "t": -120}, RECEIVED - timedelta(minutes=2)),  # two minutes ago
        ({"n": "count", "v": 1, "bt": -60, "t": -60}, RECEIVED - timedelta(minutes=2)),  # base too
    ],
)
def test_senml_times_below_2_pow_28_are_relative_to_now(record, observed):
    assert parse_senml(senml(record), received_at=RECEIVED).observed_at == observed


def test_senml_newest_record_per_name_wins():
    payload = senml(
        {"bt": RECEIVED_EPOCH, "n": "count", "v": 8, "t": -60},
        {"n": "count", "v": 5, "t": -30},  # newest, listed in the middle
        {"n": "count", "v": 9, "t": -90},
    )
    reading = parse_senml(payload, received_at=RECEIVED)
    assert (reading.count, reading.observed_at) == (5, RECEIVED - timedelta(seconds=30))


def test_senml_presence_is_a_boolean_value():
    payload = senml({"bn": "room-sensor/", "n": "presence", "vb": True})
    assert parse_senml(payload, received_at=RECEIVED).present is True


def test_senml_base_value_is_added():
    payload = senml({"bv": 10, "n": "count", "v": 2})
    assert parse_senml(payload, received_at=RECEIVED).count == 12


def test_senml_battery_in_percent_is_read():
    payload = senml({"n": "count", "v": 1}, {"n": "battery", "u": "%EL", "v": 64})
    assert parse_senml(payload, received_at=RECEIVED).battery == 64


def test_senml_line_crossings_are_summed_over_periods():
    payload = senml(
        {"bt": RECEIVED_EPOCH - 600, "n": "in", "u": "count", "v": 2},
        {"n": "out", "u": "count", "v": 1},
        {"t": 300, "n": "in", "u": "count", "v": 3},
    )
    reading = parse_senml(payload, received_at=RECEIVED)
    assert (reading.entered, reading.exited) == (5, 1)


def test_senml_measurements_we_do_not_use_are_ignored():
    payload = senml({"n": "temperature", "u": "Cel", "v": 21.5}, {"n": "count", "v": 4})
    assert parse_senml(payload, received_at=RECEIVED).count == 4


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (senml(), "empty"),  # an empty pack
        (senml({"n": "temperature", "u": "Cel", "v": 21.5}), "empty"),  # nothing about people
        (senml({"n": "occupancy", "u": "lx", "v": 300}), "empty"),  # not a headcount unit
        (as_bytes({"n": "count", "v": 3}), "malformed"),  # a record outside its array
        (senml({"v": 3}), "malformed"),  # no name at all
        (as_bytes([3]), "malformed"),  # not a record
        (senml({"n": "count", "v": 3.5}), "wrong_type"),  # half a person
        (senml({"n": "count", "v": "3"}), "wrong_type"),  # a string value
        (senml({"n": "count", "v": -2}), "out_of_range"),  # negative
        (senml({"n": "presence", "vb": "yes"}), "wrong_type"),  # vb must be a boolean
        (senml({"n": "count", "v": 3, "t": "now"}), "wrong_type"),  # a time must be a number
        (senml({"n": "count", "v": 1, "bt": RECEIVED_EPOCH + 3600}), "future"),  # an hour ahead
        (senml({"n": "count", "v": 1, "bt": 1732615200}), "too_old"),  # SENSORS.md's 2024 date
        (senml({"n": "count", "v": 1, "t": 1e300}), "future"),  # absurdly far
        (senml({"bver": 11, "n": "count", "v": 1}), "unsupported"),  # a newer SenML
        (senml({"n": "count", "v": 1, "ttl_": 5}), "unsupported"),  # must-understand label
    ],
)
def test_senml_rejects_what_is_wrong(payload, reason):
    assert rejection(parse_senml, payload) == reason


# --- Home Assistant -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "present"),
    [
        (b"ON", True),  # HA's default payload_on
        (b"OFF", False),  # HA's default payload_off
        (b"on", True),  # lower case
        (b" Off\r\n", False),  # whitespace and mixed case
    ],
)
def test_homeassistant_on_off_is_presence(payload, present):
    assert parse_homeassistant(payload, received_at=RECEIVED).present is present


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "empty"),  # the retained payload that removes an entity
        (b"unavailable", "empty"),  # HA knows nothing
        (b"true", "malformed"),  # another convention: needs its own mapping
        (b"1", "malformed"),  # same
        (b"ONN", "malformed"),  # a typo is not presence
    ],
)
def test_homeassistant_rejects_anything_but_on_and_off(payload, reason):
    assert rejection(parse_homeassistant, payload) == reason


# --- status ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "online"),
    [
        (b"online", True),  # our devices and Zigbee2MQTT 1.x
        (b"offline", False),  # the Last Will
        (b"Online\n", True),  # untidy
        (b'{"state": "online"}', True),  # Zigbee2MQTT 2.x
        (b'{"state": "offline"}', False),  # Zigbee2MQTT 2.x
        (b'"offline"', False),  # a JSON string
    ],
)
def test_status_is_online_or_offline(payload, online):
    assert parse_status(payload) is online


def test_cleared_retained_status_is_unknown():
    assert parse_status(b"") is None


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"on", "malformed"),  # not a status word
        (b'{"state": "sleeping"}', "malformed"),  # an unknown state
        (b'{"state": true}', "wrong_type"),  # state is a string
        (b"{online", "malformed"),  # broken JSON
        (b"\xc3\x28", "malformed"),  # not UTF-8
        (b"o" * (MAX_PAYLOAD_BYTES + 1), "oversized"),  # too big
    ],
)
def test_status_rejects_anything_else(payload, reason):
    with pytest.raises(PayloadRejected) as caught:
        parse_status(payload)
    assert caught.value.reason == reason


# --- decode ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "payload"),
    [
        ("native", b'{"count": 12, "ts": "2026-11-26T10:00:00+01:00"}'),
        ("zigbee2mqtt", as_bytes(Z2M_STATE)),
        ("milesight", milesight()),
        ("senml", senml({"n": "count", "u": "count", "v": 3})),
        ("homeassistant", b"ON"),
    ],
)
def test_decode_dispatches_by_format_name(fmt, payload):
    assert decode(payload, fmt, received_at=RECEIVED) == FORMATS[fmt](payload, received_at=RECEIVED)


def test_decode_refuses_an_unknown_format():
    assert rejection(decode_as("butlr"), b'{"count": 1}') == "unsupported"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_decode_checks_size_before_anything_else(fmt):
    payload = b" " * (MAX_PAYLOAD_BYTES + 1)
    assert rejection(decode_as(fmt), payload) == "oversized"


def test_payload_of_exactly_the_limit_is_read():
    body = b'{"count": 1}'
    payload = body + b" " * (MAX_PAYLOAD_BYTES - len(body))
    assert decode(payload, "native", received_at=RECEIVED).count == 1


def test_deeply_nested_json_is_malformed_not_a_crash():
    payload = b"[" * 8000 + b"]" * 8000
    assert rejection(decode_as("senml"), payload) == "malformed"


def test_decode_accepts_a_receive_time_in_another_zone():
    paris = RECEIVED.astimezone(timezone(timedelta(hours=1)))
    assert decode(b'{"count": 1}', "native", received_at=paris).observed_at == RECEIVED


# --- properties -----------------------------------------------------------------------------

# Keys every adapter looks for, so that generated objects reach past the first check.
KNOWN_KEYS = [
    "count", "present", "ts", "battery", "occupancy", "presence", "last_seen", "report_type",
    "current_total", "current_counted", "in", "out", "device_info", "device_sn", "time_info",
    "timezone", "dst_status", "end_time", "time", "bn", "bt", "bu", "bv", "bver", "n", "u", "v",
    "vb", "t", "state",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([RECEIVED_EPOCH, RECEIVED_EPOCH * 1000, 2**28, -60, 0, 10_000, 10_001]),
    st.text(max_size=30),
    st.sampled_from(
        ["2026-11-26T09:00:00+01:00", "2026-11-26T09:04:00Z", "2026/11/26 17:00:00",
         "UTC+8:00", "UTC-05:00", "UTC", "count", "occupancy", "interval", "accumulated",
         "online", "12", "%EL"]
    ),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=8)), inner,
                        max_size=6),
    ),
    max_leaves=25,
)  # fmt: skip


def assert_valid(reading: Reading) -> None:
    assert isinstance(reading, Reading)
    assert reading.observed_at.utcoffset() == timedelta(0)
    assert RECEIVED - MAX_AGE <= reading.observed_at <= RECEIVED + MAX_CLOCK_SKEW
    for value in (reading.count, reading.entered, reading.exited):
        assert value is None or (type(value) is int and 0 <= value <= MAX_COUNT)
    assert reading.battery is None or (type(reading.battery) is int and 0 <= reading.battery <= 100)
    assert reading.present is None or type(reading.present) is bool
    assert any(
        v is not None for v in (reading.count, reading.present, reading.entered, reading.exited, reading.battery)
    )


def decode_or_reason(payload: bytes, fmt: str) -> Reading | str:
    try:
        reading = decode(payload, fmt, received_at=RECEIVED)
    except PayloadRejected as rejected:
        assert rejected.reason in REASONS
        return rejected.reason
    assert_valid(reading)
    return reading


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.binary(max_size=200), fmt=st.sampled_from(sorted(FORMATS)))
def test_any_bytes_give_a_valid_reading_or_a_rejection(payload, fmt):
    decode_or_reason(payload, fmt)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, fmt=st.sampled_from(sorted(FORMATS)))
def test_any_json_gives_a_valid_reading_or_a_rejection(value, fmt):
    decode_or_reason(as_bytes(value), fmt)


# Documented examples per format: mutating them reaches the paths that accept a payload.
EXAMPLES = {
    "native": {"count": 12, "present": True, "battery": 80, "ts": "2026-11-26T10:00:00+01:00"},
    "zigbee2mqtt": {**Z2M_STATE, "last_seen": "2026-11-26T09:04:30Z"},
    "milesight": {**VS121_REPORT, "in": 3, "out": 1},
}
DELETE = object()


def mutate(example: dict, changes: list[tuple[str, object, bool]]) -> dict:
    """Set or delete keys, at the top level or inside the nested objects (time_info...)."""
    document = json.loads(json.dumps(example))
    for key, value, nested in changes:
        targets = [v for v in document.values() if isinstance(v, dict)] if nested else []
        target = targets[len(key) % len(targets)] if targets else document
        if value is DELETE:
            target.pop(key, None)
        else:
            target[key] = value
    return document


changes = st.lists(
    st.tuples(st.sampled_from(KNOWN_KEYS), st.one_of(st.just(DELETE), scalars, json_values),
              st.booleans()),
    max_size=3,
)  # fmt: skip
# Well-typed packs reach the accepting paths; noisy ones mix in wrong types and versions.
clean_senml_record = st.fixed_dictionaries(
    {"n": st.sampled_from(["count", "occupancy", "presence", "in", "out", "battery", "temp"])},
    optional={
        "bn": st.sampled_from(["urn:dev:mac:0024befffe804ff1:", "room/", "", "a b"]),
        "bt": st.sampled_from([RECEIVED_EPOCH, RECEIVED_EPOCH - 90_000, 0, -30, 1e300]),
        "bv": st.integers(-5, 5),
        "t": st.one_of(st.integers(-100_000, 1_000), st.floats(-1e6, 1e6)),
        "u": st.sampled_from(["count", "%EL", "Cel"]),
        "v": st.one_of(st.integers(-5, 10_005), st.floats(0, 9)),
        "vb": st.booleans(),
    },
)
noisy_senml_record = st.builds(
    dict,
    clean_senml_record,
    **{key: st.one_of(scalars, json_values) for key in ("bver", "v", "vb", "t")},
)
senml_packs = st.one_of(
    st.lists(clean_senml_record, min_size=1, max_size=4),
    st.lists(st.one_of(clean_senml_record, noisy_senml_record), max_size=4),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(sorted(EXAMPLES)), changes=changes)
def test_any_mutated_example_gives_a_valid_reading_or_a_rejection(fmt, changes):
    decode_or_reason(as_bytes(mutate(EXAMPLES[fmt], changes)), fmt)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(records=senml_packs)
def test_any_senml_pack_gives_a_valid_reading_or_a_rejection(records):
    decode_or_reason(as_bytes(records), "senml")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(payload=st.one_of(st.binary(max_size=50), json_values.map(as_bytes)))
def test_any_status_payload_is_online_offline_unknown_or_rejected(payload):
    try:
        assert parse_status(payload) in (True, False, None)
    except PayloadRejected as rejected:
        assert rejected.reason in REASONS
