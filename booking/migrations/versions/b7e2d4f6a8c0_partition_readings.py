"""raw readings partitioned by time on PostgreSQL: dropping a day of old readings is dropping a table

Revision ID: b7e2d4f6a8c0
Revises: a1f0c3d5e7b9
Create Date: 2026-12-02 06:55:00

PostgreSQL only (SQLite keeps its plain table, pruned by batched deletes). The existing table is
renamed, a partitioned one created in its place with the same columns, constraint names and id
sequence (its keys now include observed_at, as a partitioned table's must), every row copied in,
the count checked, and the old table dropped, all in the migration's one transaction. History
older than two days goes into monthly partitions (the last cut short), the rest into daily ones up to a week ahead
(the scheduler's keep_partitions job creates the next days; booking/partitioning.py); a default
partition takes any reading outside them. Stop the ingest workers first: the copy takes a lock
on the table, and its time grows with the rows (prune first, `onexp jobs run prune_readings`, to
shorten it).
"""

from datetime import UTC, date, datetime, time, timedelta

from alembic import op

revision = "b7e2d4f6a8c0"
down_revision = "a1f0c3d5e7b9"
branch_labels = None
depends_on = None

T = "occupancy_readings"
COLUMNS = "id, sensor_id, space_id, observed_at, count, present, entered, exited"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _plan(oldest: datetime | None, today: date) -> list[tuple[str, datetime, datetime]]:
    """The same ranges as booking.partitioning.conversion_plan, frozen here as of this revision."""
    split = today - timedelta(days=2)
    ranges = []
    if oldest is not None:
        month = oldest.astimezone(UTC).date().replace(day=1)
        while month < split:
            end = min(_next_month(month), split)
            ranges.append((f"{T}_{month:%Y%m}_{end:%Y%m%d}", _midnight(month), _midnight(end)))
            month = _next_month(month)
    day = split
    while day < today + timedelta(days=7):
        ranges.append((f"{T}_{day:%Y%m%d}", _midnight(day), _midnight(day + timedelta(days=1))))
        day += timedelta(days=1)
    return ranges


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    run = bind.exec_driver_sql
    before, oldest = run(f"SELECT count(*), min(observed_at) FROM {T}").one()
    for statement in (
        f"LOCK TABLE {T} IN SHARE MODE",  # readers go on, writers wait for the new table
        f"ALTER TABLE {T} RENAME TO {T}_plain",
        f"ALTER TABLE {T}_plain RENAME CONSTRAINT pk_{T} TO pk_{T}_plain",
        f"ALTER TABLE {T}_plain RENAME CONSTRAINT uq_{T}_sensor_id TO uq_{T}_plain_sensor_id",
        f"ALTER TABLE {T}_plain RENAME CONSTRAINT fk_{T}_sensor_id_sensors TO fk_{T}_plain_sensor_id",
        f"ALTER TABLE {T}_plain RENAME CONSTRAINT fk_{T}_space_id_spaces TO fk_{T}_plain_space_id",
        f"ALTER INDEX ix_{T}_space_observed RENAME TO ix_{T}_plain_space_observed",
        f"ALTER SEQUENCE {T}_id_seq OWNED BY NONE",
        f"CREATE TABLE {T} ("
        f" id BIGINT NOT NULL DEFAULT nextval('{T}_id_seq'),"
        " sensor_id INTEGER NOT NULL, space_id INTEGER NOT NULL, observed_at TIMESTAMP WITH TIME ZONE NOT NULL,"
        " count INTEGER, present BOOLEAN, entered INTEGER, exited INTEGER,"
        f" CONSTRAINT pk_{T} PRIMARY KEY (id, observed_at),"
        f" CONSTRAINT uq_{T}_sensor_id UNIQUE (sensor_id, observed_at),"
        f" CONSTRAINT fk_{T}_sensor_id_sensors FOREIGN KEY (sensor_id) REFERENCES sensors (id) ON DELETE CASCADE,"
        f" CONSTRAINT fk_{T}_space_id_spaces FOREIGN KEY (space_id) REFERENCES spaces (id)"
        ") PARTITION BY RANGE (observed_at)",
        f"CREATE INDEX ix_{T}_space_observed ON {T} (space_id, observed_at)",
        f"ALTER SEQUENCE {T}_id_seq OWNED BY {T}.id",
        f"CREATE TABLE {T}_default PARTITION OF {T} DEFAULT",
    ):
        run(statement)
    for name, lo, hi in _plan(oldest, datetime.now(UTC).date()):
        # DDL takes no parameters; the bounds are times this function made
        run(f"CREATE TABLE {name} PARTITION OF {T} FOR VALUES FROM ('{lo.isoformat()}') TO ('{hi.isoformat()}')")
    run(f"INSERT INTO {T} ({COLUMNS}) SELECT {COLUMNS} FROM {T}_plain")
    after = run(f"SELECT count(*) FROM {T}").scalar()
    if after != before:  # never drop the original unless every row is across
        raise RuntimeError(f"{T}: {before} readings before, {after} after; nothing changed")
    run(f"DROP TABLE {T}_plain")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    run = bind.exec_driver_sql
    run(f"ALTER TABLE {T} RENAME TO {T}_partitioned")
    run(f"ALTER TABLE {T}_partitioned RENAME CONSTRAINT pk_{T} TO pk_{T}_partitioned")
    run(f"ALTER TABLE {T}_partitioned RENAME CONSTRAINT uq_{T}_sensor_id TO uq_{T}_partitioned_sensor_id")
    run(f"ALTER TABLE {T}_partitioned RENAME CONSTRAINT fk_{T}_sensor_id_sensors TO fk_{T}_partitioned_sensor_id")
    run(f"ALTER TABLE {T}_partitioned RENAME CONSTRAINT fk_{T}_space_id_spaces TO fk_{T}_partitioned_space_id")
    run(f"ALTER INDEX ix_{T}_space_observed RENAME TO ix_{T}_partitioned_space_observed")
    run(f"ALTER SEQUENCE {T}_id_seq OWNED BY NONE")
    run(
        f"CREATE TABLE {T} (id BIGINT NOT NULL DEFAULT nextval('{T}_id_seq'), sensor_id INTEGER NOT NULL,"
        " space_id INTEGER NOT NULL, observed_at TIMESTAMP WITH TIME ZONE NOT NULL, count INTEGER, present BOOLEAN,"
        f" entered INTEGER, exited INTEGER, CONSTRAINT pk_{T} PRIMARY KEY (id),"
        f" CONSTRAINT uq_{T}_sensor_id UNIQUE (sensor_id, observed_at),"
        f" CONSTRAINT fk_{T}_sensor_id_sensors FOREIGN KEY (sensor_id) REFERENCES sensors (id) ON DELETE CASCADE,"
        f" CONSTRAINT fk_{T}_space_id_spaces FOREIGN KEY (space_id) REFERENCES spaces (id))"
    )
    run(f"CREATE INDEX ix_{T}_space_observed ON {T} (space_id, observed_at)")
    run(f"ALTER SEQUENCE {T}_id_seq OWNED BY {T}.id")
    run(f"INSERT INTO {T} ({COLUMNS}) SELECT {COLUMNS} FROM {T}_partitioned")
    run(f"DROP TABLE {T}_partitioned")
