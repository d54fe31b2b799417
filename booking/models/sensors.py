"""Occupancy sensors, their anonymous readings, each space's live state, and refused payloads.

No personal data is ever stored here: readings are headcounts, presence flags and line
crossings; a sensor is a piece of venue equipment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.clock import utcnow
from booking.extensions import db
from booking.infra.dbtypes import UTCDateTime
from booking.models.sites import Space

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL needs 64 bits for years of readings.
BigId = BigInteger().with_variant(Integer, "sqlite")


def _column_of(item) -> ARRAY:
    """A list column: a native array on PostgreSQL (8-byte floats stay exact), JSON text on SQLite."""
    return ARRAY(item).with_variant(JSON(), "sqlite")


class Sensor(db.Model):
    """A device in the registry: where it is, what it measures, how it talks, how it is doing."""

    __tablename__ = "sensors"
    # On PostgreSQL the table has fillfactor 40 (migration 5b1e0c7d9a42): every ingest batch updates
    # each sensor's row, and room on the page keeps those updates HOT (no index writes).

    id: Mapped[int] = mapped_column(primary_key=True)
    # the public id: the <sensor> segment of its topics
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # counter | presence
    format: Mapped[str] = mapped_column(String(20), default="native")
    # where it cannot use our topics: its Zigbee2MQTT friendly name, or its own full topic
    topic: Mapped[str | None] = mapped_column(String(200), unique=True)
    interval_seconds: Mapped[int] = mapped_column(default=60)
    status: Mapped[str] = mapped_column(String(10), default="unknown")  # online | offline | unknown
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    battery: Mapped[int | None]
    # its latest values, which the space's live state is combined from
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    count: Mapped[int | None]
    present: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    space: Mapped[Space] = relationship()


class OccupancyReading(db.Model):
    """One reading as the sensor observed it; (sensor, observed_at) absorbs duplicates."""

    __tablename__ = "occupancy_readings"
    __table_args__ = (
        UniqueConstraint("sensor_id", "observed_at"),
        # presence_between() and utilization read a space's readings over a window
        Index("ix_occupancy_readings_space_observed", "space_id", "observed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id", ondelete="CASCADE"))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int | None]
    present: Mapped[bool | None]
    entered: Mapped[int | None]
    exited: Mapped[int | None]


class SpaceOccupancy(db.Model):
    """A space's current state, combined from its sensors (see booking.presence)."""

    __tablename__ = "space_occupancy"

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), primary_key=True)
    count: Mapped[int | None]
    present: Mapped[bool | None]
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # newest reading it includes
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when `present` last changed
    # when this row last changed: the event stream polls on it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sources: Mapped[list] = mapped_column(JSON, default=list)  # sensor slugs

    space: Mapped[Space] = relationship()


class IngestRejection(db.Model):
    """How many messages the ingest worker refused, per sensor and reason."""

    __tablename__ = "ingest_rejections"
    __table_args__ = (UniqueConstraint("sensor", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # a sensor id, registered or not (zigbee2mqtt/<name> for an unknown Zigbee2MQTT device)
    sensor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[str] = mapped_column(String(200), default="")


class OccupancyRollup(db.Model):
    """One space's occupancy over one 5-minute bucket, kept after its raw readings are pruned
    (see booking.rollups). Only buckets where something happened are stored."""

    __tablename__ = "occupancy_rollups"
    __table_args__ = (
        # the retention job deletes the oldest buckets first; written in time order, so on
        # PostgreSQL a BRIN index of a few pages does (migration c9d1e3f5a7b2)
        Index("ix_occupancy_rollups_starts_at", "starts_at", postgresql_using="brin"),
    )

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    occupied_seconds: Mapped[float] = mapped_column(Float)
    peak_count: Mapped[int]
    mean_count: Mapped[float] = mapped_column(Float)
    present: Mapped[bool]  # a reading in the bucket showed people


class OccupancyRollupDay(db.Model):
    """One space's 5-minute buckets of one UTC day in one row (booking.rollups.DayOfBuckets): the
    compact tier the buckets move to after ONEXP_ROLLUPS_COMPACT_AFTER_DAYS, read back as the very
    same buckets. Only days with a stored bucket have a row."""

    __tablename__ = "occupancy_rollup_days"
    __table_args__ = (Index("ix_occupancy_rollup_days_starts_at", "starts_at", postgresql_using="brin"),)

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)  # midnight UTC
    numbers: Mapped[list[int]] = mapped_column(_column_of(Integer))  # which bucket of the day, 0 at 00:00
    occupied_seconds: Mapped[list[float]] = mapped_column(_column_of(Float))
    peak_counts: Mapped[list[int]] = mapped_column(_column_of(Integer))
    mean_counts: Mapped[list[float]] = mapped_column(_column_of(Float))
    present: Mapped[list[bool]] = mapped_column(_column_of(Boolean))


class ReadingsHorizon(db.Model):
    """Where raw history ends and rollups take over: one row, moved forward by the jobs.

    ``rolled_until``: every bucket before it is stored, and figures before it come from the rollups.
    ``compacted_until``: the days before it are stored a row per space and day (OccupancyRollupDay).
    ``raw_from``: raw readings are all kept from ``raw_from - LOOKBACK`` (a day opens with the
    reading before it); after it, a bucket that a booking's edge cuts off the 5-minute grid is read
    raw. The retention job never moves ``raw_from`` past ``rolled_until``.
    """

    __tablename__ = "readings_horizon"

    id: Mapped[int] = mapped_column(primary_key=True)
    rolled_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raw_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # every day before it is in occupancy_rollup_days, none of its buckets in occupancy_rollups
    compacted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
