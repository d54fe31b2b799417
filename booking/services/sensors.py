"""The device registry: which sensor is in which space, what it measures and how it talks."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from booking import presence
from booking.errors import Conflict, Invalid, NotFound
from booking.extensions import db
from booking.models import IngestRejection, OccupancyReading, Sensor, Site, Space
from booking.rules import Problem
from booking.services import catalog
from booking.services.unit_of_work import unit_of_work

# A topic segment: no MQTT wildcards, no separator.
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
# Names of the API's own routes beside /api/v1/sensors/<sensor>: a sensor called so would be
# read as the route (GET) yet changed as the sensor (PATCH, DELETE). A test keeps them in step.
RESERVED_SLUGS = frozenset({"rejections"})
MIN_INTERVAL, MAX_INTERVAL = 1, 24 * 3600
EDITABLE = ("kind", "format", "topic", "interval_seconds")


@dataclass(frozen=True, slots=True)  # one per reading or per sensor: no __dict__ each
class SensorRoute:
    """What the ingest worker needs to route a message to a sensor, cached in memory."""

    id: int
    slug: str
    site: str
    space: str
    format: str
    topic: str | None


def get_sensor(slug: str) -> Sensor:
    sensor = db.session.scalar(select(Sensor).where(Sensor.slug == slug))
    if sensor is None:
        raise NotFound(f"no sensor {slug!r}")
    return sensor


def list_sensors(site: str | None = None) -> list[Sensor]:
    query = select(Sensor).options(joinedload(Sensor.space).joinedload(Space.site)).order_by(Sensor.slug)
    if site:
        query = query.join(Space).where(Space.site_id == catalog.get_site(site).id)
    return list(db.session.scalars(query))


def add_sensor(
    slug: str,
    *,
    site: str,
    space: str,
    kind: str = presence.COUNTER,
    format: str = "native",
    topic: str | None = None,
    interval_seconds: int = 60,
) -> Sensor:
    """Register a sensor in a space; its readings are dropped until it is registered."""
    with unit_of_work():
        target = catalog.get_space(site, space, as_field=True)
        values = {"kind": kind, "format": format, "topic": topic or None, "interval_seconds": interval_seconds}
        problems = _check(values)
        if not SLUG.fullmatch(slug or ""):
            problems.insert(0, Problem("sensor", "use letters, digits, '.', '_', ':' or '-' (at most 64)"))
        elif slug in RESERVED_SLUGS:
            problems.insert(0, Problem("sensor", f"{slug!r} is reserved: the API uses /api/v1/sensors/{slug}"))
        if problems:
            raise Invalid(problems)
        if db.session.scalar(select(Sensor.id).where(Sensor.slug == slug)):
            raise Conflict(f"sensor {slug!r} is registered already")
        _check_topic_free(values["topic"], None)
        sensor = Sensor(slug=slug, space_id=target.id, **values)
        db.session.add(sensor)
    return sensor


def ensure_sensor(slug: str, **values) -> Sensor:
    """The sensor, registered if missing (the simulator and demos)."""
    sensor = db.session.scalar(select(Sensor).where(Sensor.slug == slug))
    return sensor or add_sensor(slug, **values)


def update_sensor(slug: str, changes: dict) -> Sensor:
    """Move a sensor to another space or change how it reports."""
    with unit_of_work():
        sensor = get_sensor(slug)
        if "site" in changes or "space" in changes:
            target = catalog.get_space(
                changes.get("site", sensor.space.site.slug), changes.get("space", sensor.space.slug), as_field=True
            )
            sensor.space_id = target.id
        values = {name: changes[name] for name in EDITABLE if name in changes}
        if "topic" in values:
            values["topic"] = values["topic"] or None
        problems = _check({**{name: getattr(sensor, name) for name in EDITABLE}, **values})
        if problems:
            raise Invalid(problems)
        _check_topic_free(values.get("topic"), sensor.id)
        for name, value in values.items():
            setattr(sensor, name, value)
    return sensor


def delete_sensor(slug: str) -> None:
    """Remove a sensor from the registry, with its readings."""
    with unit_of_work():
        sensor = get_sensor(slug)
        db.session.execute(delete(OccupancyReading).where(OccupancyReading.sensor_id == sensor.id))
        db.session.delete(sensor)


def sensor_health(sensor: Sensor, now: datetime) -> str:
    """``healthy`` / ``stale`` / ``offline`` for one registered sensor."""
    state = presence.SensorState(sensor.slug, sensor.kind, sensor.interval_seconds, sensor.status, sensor.last_seen_at)
    return presence.sensor_health(state, now)


def rejections() -> list[IngestRejection]:
    """What the ingest worker refused, per sensor (or unknown topic) and reason."""
    return list(db.session.scalars(select(IngestRejection).order_by(IngestRejection.sensor, IngestRejection.reason)))


def routes() -> list[SensorRoute]:
    """Every registered sensor with its site and space slugs, in one query."""
    query = (
        select(Sensor.id, Sensor.slug, Site.slug, Space.slug, Sensor.format, Sensor.topic)
        .join(Space, Sensor.space_id == Space.id)
        .join(Site, Space.site_id == Site.id)
    )
    # A thousand rows at a time, not all raw rows then all routes; and the site, space and format
    # names repeated across thousands of sensors become one string object each.
    routes = [
        SensorRoute(sensor_id, slug, sys.intern(site), sys.intern(space), sys.intern(fmt), topic)
        for sensor_id, slug, site, space, fmt, topic in db.session.execute(query.execution_options(yield_per=1000))
    ]
    db.session.rollback()  # end the read transaction: the worker holds its session for long
    return routes


def _check(values: dict) -> list[Problem]:
    problems = []
    if values["kind"] not in presence.KINDS:
        problems.append(Problem("kind", f"one of {', '.join(presence.KINDS)}"))
    if values["format"] not in presence.FORMATS:
        problems.append(Problem("format", f"one of {', '.join(presence.FORMATS)}"))
    interval = values["interval_seconds"]
    if isinstance(interval, bool) or not isinstance(interval, int) or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        problems.append(Problem("interval_seconds", f"whole seconds from {MIN_INTERVAL} to {MAX_INTERVAL}"))
    topic = values["topic"]
    if topic is not None and (len(topic) > 200 or any(c in topic for c in "+#\0") or "" in topic.split("/")):
        problems.append(Problem("topic", "a device name or topic without wildcards or empty levels"))
    return problems


def _check_topic_free(topic: str | None, sensor_id: int | None) -> None:
    if topic is None:
        return
    other = db.session.scalar(select(Sensor.slug).where(Sensor.topic == topic, Sensor.id != (sensor_id or 0)))
    if other:
        raise Conflict(f"topic {topic!r} is mapped to sensor {other!r} already")
