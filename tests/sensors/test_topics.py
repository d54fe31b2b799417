"""Topic names: what the worker accepts, builds and subscribes to."""

from __future__ import annotations

import pytest

from sensors.topics import (
    TopicRef,
    occupancy_topic,
    parse_topic,
    state_topic,
    status_topic,
    subscriptions,
)


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        # a people counter's readings
        (
            "onexp/la-coque/showroom/pc-1/occupancy",
            TopicRef("la-coque", "showroom", "pc-1", "occupancy"),
        ),
        # its retained online/offline status
        (
            "onexp/la-coque/showroom/pc-1/status",
            TopicRef("la-coque", "showroom", "pc-1", "status"),
        ),
    ],
)
def test_native_topic_names_site_space_sensor_and_channel(topic, expected):
    assert parse_topic(topic) == expected


def test_native_topic_format_is_native():
    assert parse_topic("onexp/a/b/c/occupancy").format == "native"


def test_prefix_may_contain_slashes():
    ref = parse_topic("acme/venues/la-coque/showroom/pc-1/occupancy", prefix="acme/venues")
    assert ref == TopicRef("la-coque", "showroom", "pc-1", "occupancy")


@pytest.mark.parametrize(
    "topic",
    [
        "onexp/la-coque/showroom/pc-1/temperature",  # a channel we do not read
        "onexp/la-coque/showroom/state",  # our own door-display state, not a sensor
        "onexp/la-coque/showroom/pc-1/occupancy/extra",  # one level too deep
        "onexp/la-coque//pc-1/occupancy",  # empty space segment
        "onexp/la-coque/+/pc-1/occupancy",  # a wildcard is never a name
        "onexp/la-coque/showroom/#/occupancy",  # the other wildcard
        "other/la-coque/showroom/pc-1/occupancy",  # another prefix
        "onexpx/la-coque/showroom/pc-1/occupancy",  # a prefix that merely starts the same
        "onexp",  # the prefix alone
        "",  # nothing
    ],
)
def test_topics_outside_the_layout_are_ignored(topic):
    assert parse_topic(topic) is None


def test_zigbee2mqtt_state_topic_names_the_device():
    assert parse_topic("zigbee2mqtt/motion-hall") == TopicRef(
        None, None, "motion-hall", "occupancy", format="zigbee2mqtt"
    )


def test_zigbee2mqtt_friendly_name_may_contain_slashes():
    ref = parse_topic("zigbee2mqtt/la-coque/showroom/motion")
    assert (ref.sensor, ref.channel) == ("la-coque/showroom/motion", "occupancy")


@pytest.mark.parametrize(
    ("topic", "sensor"),
    [
        ("zigbee2mqtt/motion-hall/availability", "motion-hall"),  # a simple name
        ("zigbee2mqtt/showroom/motion/availability", "showroom/motion"),  # a name with a slash
    ],
)
def test_zigbee2mqtt_availability_is_the_status_channel(topic, sensor):
    assert parse_topic(topic) == TopicRef(None, None, sensor, "status", format="zigbee2mqtt")


@pytest.mark.parametrize(
    "topic",
    [
        "zigbee2mqtt/bridge/state",  # the bridge's own status
        "zigbee2mqtt/bridge/devices",  # the bridge's retained device list
        "zigbee2mqtt/motion-hall/set",  # a command to the device
        "zigbee2mqtt/motion-hall/get/occupancy",  # a read request
        "zigbee2mqtt/",  # no name
    ],
)
def test_zigbee2mqtt_bridge_and_command_topics_are_ignored(topic):
    assert parse_topic(topic) is None


def test_a_zigbee2mqtt_device_may_be_named_availability():
    # Only a suffix after a name marks availability; Z2M allows any single-word name.
    assert parse_topic("zigbee2mqtt/availability").channel == "occupancy"


def test_zigbee2mqtt_name_with_empty_part_is_ignored():
    assert parse_topic("zigbee2mqtt/showroom//motion") is None


def test_invalid_prefix_is_a_configuration_error():
    with pytest.raises(ValueError):
        parse_topic("onexp/a/b/c/occupancy", prefix="onexp/")


def test_topic_builders_follow_the_layout():
    assert occupancy_topic("onexp", "la-coque", "showroom", "pc-1") == ("onexp/la-coque/showroom/pc-1/occupancy")
    assert status_topic("onexp", "la-coque", "showroom", "pc-1") == ("onexp/la-coque/showroom/pc-1/status")
    assert state_topic("onexp", "la-coque", "showroom") == "onexp/la-coque/showroom/state"


def test_built_topics_parse_back_to_the_same_sensor():
    topic = occupancy_topic("acme/venues", "la-coque", "showroom", "pc-1")
    assert parse_topic(topic, prefix="acme/venues") == TopicRef("la-coque", "showroom", "pc-1", "occupancy")


@pytest.mark.parametrize("segment", ["", "a/b", "+", "#", "show#room"])
def test_topic_builders_refuse_segments_that_would_change_the_topic(segment):
    with pytest.raises(ValueError):
        occupancy_topic("onexp", "la-coque", segment, "pc-1")


def test_subscriptions_without_group_are_plain_and_qos_1():
    assert subscriptions("onexp") == [
        ("onexp/+/+/+/occupancy", 1),
        ("zigbee2mqtt/#", 1),
        ("onexp/+/+/+/status", 1),
    ]


def test_subscriptions_share_readings_in_the_group():
    filters = [f for f, _ in subscriptions("onexp", "ingest")]
    assert "$share/ingest/onexp/+/+/+/occupancy" in filters
    assert "$share/ingest/zigbee2mqtt/#" in filters


def test_status_subscriptions_are_never_shared():
    # Retained messages are not delivered through shared subscriptions.
    filters = [f for f, _ in subscriptions("onexp", "ingest")]
    status = [f for f in filters if f.endswith(("/status", "/availability"))]
    assert "onexp/+/+/+/status" in status
    assert "zigbee2mqtt/+/availability" in status
    assert "zigbee2mqtt/+/+/availability" in status
    assert not any(f.startswith("$share/") for f in status)


def test_every_subscription_is_qos_1():
    assert {qos for _, qos in subscriptions("onexp", "ingest")} == {1}


def test_zigbee2mqtt_subscriptions_can_be_left_out():
    filters = [f for f, _ in subscriptions("onexp", "ingest", zigbee2mqtt=False)]
    assert not any("zigbee2mqtt" in f for f in filters)


@pytest.mark.parametrize("group", ["a/b", "+", "#"])
def test_invalid_shared_group_is_a_configuration_error(group):
    with pytest.raises(ValueError):
        subscriptions("onexp", group)
