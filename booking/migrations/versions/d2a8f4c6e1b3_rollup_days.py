"""occupancy rollups: a compact tier, one row per space and UTC day, for buckets past
ONEXP_ROLLUPS_COMPACT_AFTER_DAYS

Revision ID: d2a8f4c6e1b3
Revises: 1e30decd15f4
Create Date: 2026-12-02 11:45:00

Nothing moves during the upgrade: the compact_rollups job moves the old days, a day per
transaction, from the oldest stored bucket on (compacted_until starts empty).
"""

import sqlalchemy as sa
from alembic import op

from booking.infra.dbtypes import UTCDateTime

revision = "d2a8f4c6e1b3"
down_revision = "1e30decd15f4"
branch_labels = None
depends_on = None

COLUMNS = ("numbers", "occupied_seconds", "peak_counts", "mean_counts", "present")


def _array(item):
    return sa.ARRAY(item).with_variant(sa.JSON(), "sqlite")


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "occupancy_rollup_days",
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("numbers", _array(sa.Integer()), nullable=False),
        sa.Column("occupied_seconds", _array(sa.Float()), nullable=False),
        sa.Column("peak_counts", _array(sa.Integer()), nullable=False),
        sa.Column("mean_counts", _array(sa.Float()), nullable=False),
        sa.Column("present", _array(sa.Boolean()), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_occupancy_rollup_days_space_id_spaces")),
        sa.PrimaryKeyConstraint("space_id", "starts_at", name=op.f("pk_occupancy_rollup_days")),
        # a bucket's fields are read side by side: the columns always have the same length
        *(
            [sa.CheckConstraint(" AND ".join(f"cardinality({c}) = cardinality(numbers)" for c in COLUMNS[1:]),
                                name=op.f("ck_occupancy_rollup_days_columns_aligned"))]  # fmt: skip
            if postgres
            else []
        ),
    )
    op.create_index("ix_occupancy_rollup_days_starts_at", "occupancy_rollup_days", ["starts_at"],
                    postgresql_using="brin")  # fmt: skip
    with op.batch_alter_table("readings_horizon") as table:
        table.add_column(sa.Column("compacted_until", UTCDateTime(timezone=True), nullable=True))


def downgrade():
    # the compact days become 5-minute rows again before their table goes
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "INSERT INTO occupancy_rollups (space_id, starts_at, occupied_seconds, peak_count, mean_count, present) "
            "SELECT d.space_id, d.starts_at + u.n * interval '5 minutes', u.occupied, u.peak, u.mean, u.present "
            "FROM occupancy_rollup_days d, unnest(d.numbers, d.occupied_seconds, d.peak_counts, d.mean_counts, "
            "d.present) AS u(n, occupied, peak, mean, present)"
        )
    else:  # SQLite: the columns are JSON text
        import json
        from datetime import datetime, timedelta

        bind = op.get_bind()
        rows = bind.execute(sa.text(f"SELECT space_id, starts_at, {', '.join(COLUMNS)} FROM occupancy_rollup_days"))
        for space_id, starts_at, *columns in rows.all():
            day = datetime.fromisoformat(str(starts_at))
            for n, occupied, peak, mean, present in zip(*(json.loads(c) for c in columns), strict=True):
                bind.execute(sa.text(
                    "INSERT INTO occupancy_rollups (space_id, starts_at, occupied_seconds, peak_count, mean_count, "
                    "present) VALUES (:s, :at, :o, :p, :m, :pr)"),
                    {"s": space_id, "at": (day + timedelta(minutes=5 * n)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                     "o": occupied, "p": peak, "m": mean, "pr": bool(present)})  # fmt: skip
    with op.batch_alter_table("readings_horizon") as table:
        table.drop_column("compacted_until")
    op.drop_index("ix_occupancy_rollup_days_starts_at", table_name="occupancy_rollup_days")
    op.drop_table("occupancy_rollup_days")
