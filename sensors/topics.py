"""MQTT topic names for sensors and door displays, and the ingest worker's subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Channel = Literal["occupancy", "status"]

QOS = 1
ZIGBEE2MQTT = "zigbee2mqtt"
# MQTT cannot match "ends with /availability" across any depth, so friendly names with up to this
# many `/`-separated parts get their availability through a plain (non-shared) subscription.
ZIGBEE2MQTT_NAME_DEPTH = 4
_CHANNELS: tuple[Channel, ...] = ("occupancy", "status")
# Z2M's own topics under a device name: commands we publish, never device state.
_Z2M_COMMANDS = frozenset({"set", "get"})


@dataclass(frozen=True, slots=True)  # one per reading or per sensor: no __dict__ each
class TopicRef:
    """Where a message came from; `format` is also the payload format name for `decode`."""

    site: str | None
    space: str | None
    sensor: str
    channel: Channel
    format: str = "native"


def parse_topic(topic: str, prefix: str = "onexp") -> TopicRef | None:
    """The sensor a topic belongs to, or None for a topic the worker does not handle."""
    _check_prefix(prefix)
    if topic.startswith(prefix + "/"):
        parts = topic[len(prefix) + 1 :].split("/")
        if len(parts) == 4 and parts[3] in _CHANNELS and all(map(_is_segment, parts[:3])):
            site, space, sensor, channel = parts
            return TopicRef(site, space, sensor, channel)  # type: ignore[arg-type]
    if topic.startswith(ZIGBEE2MQTT + "/"):
        return _parse_zigbee2mqtt(topic[len(ZIGBEE2MQTT) + 1 :])
    return None


def _parse_zigbee2mqtt(rest: str) -> TopicRef | None:
    parts = rest.split("/")
    channel: Channel = "occupancy"
    if len(parts) > 1 and parts[-1] == "availability":
        parts, channel = parts[:-1], "status"
    if parts[0] == "bridge" or not all(map(_is_segment, parts)):
        return None
    # `<name>/set`, `<name>/get/<attribute>`... are commands to the device (and its echo).
    if any(part in _Z2M_COMMANDS for part in parts[1:]):
        return None
    return TopicRef(None, None, "/".join(parts), channel, format=ZIGBEE2MQTT)


def occupancy_topic(prefix: str, site: str, space: str, sensor: str) -> str:
    """Where a sensor publishes readings in the native format."""
    return _join(prefix, site, space, sensor, "occupancy")


def status_topic(prefix: str, site: str, space: str, sensor: str) -> str:
    """Where a sensor publishes `online` and sets `offline` as its Last Will, retained."""
    return _join(prefix, site, space, sensor, "status")


def state_topic(prefix: str, site: str, space: str) -> str:
    """Where the service publishes a space's state, retained, for its door display."""
    return _join(prefix, site, space, "state")


def subscriptions(prefix: str, shared_group: str = "", *, zigbee2mqtt: bool = True) -> list[tuple[str, int]]:
    """Topic filters and QoS for the ingest worker.

    With a `shared_group`, readings go through `$share/<group>/...` so that several workers split
    the load. Status and availability never do: brokers do not deliver retained messages through
    shared subscriptions, and a worker that starts must learn which sensors are offline now.
    """
    _check_prefix(prefix)
    if shared_group and not _is_segment(shared_group):
        raise ValueError(f"invalid shared subscription group {shared_group!r}")
    readings = [f"{prefix}/+/+/+/occupancy"]
    statuses = [f"{prefix}/+/+/+/status"]
    if zigbee2mqtt:
        readings.append(f"{ZIGBEE2MQTT}/#")
        if shared_group:
            statuses += [f"{ZIGBEE2MQTT}/{'+/' * depth}availability" for depth in range(1, ZIGBEE2MQTT_NAME_DEPTH + 1)]
        # Without a group, `zigbee2mqtt/#` already carries availability (retained included);
        # adding the filters above would make Mosquitto deliver each of those messages twice.
    if shared_group:
        readings = [f"$share/{shared_group}/{topic_filter}" for topic_filter in readings]
    return [(topic_filter, QOS) for topic_filter in readings + statuses]


def _join(prefix: str, *segments: str) -> str:
    _check_prefix(prefix)
    for segment in segments:
        if not _is_segment(segment):
            raise ValueError(f"invalid topic segment {segment!r}")
    return "/".join((prefix, *segments))


def _check_prefix(prefix: str) -> None:
    # A bad prefix is a configuration error: fail loudly rather than match nothing.
    if not prefix or not all(map(_is_segment, prefix.split("/"))):
        raise ValueError(f"invalid topic prefix {prefix!r}")


def _is_segment(segment: str) -> bool:
    return bool(segment) and not any(c in segment for c in "+#/\0")
