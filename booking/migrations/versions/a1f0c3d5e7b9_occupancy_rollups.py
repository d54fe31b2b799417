"""occupancy rollups: 5-minute buckets per space, kept after raw readings age out

Revision ID: a1f0c3d5e7b9
Revises: a3d6f0b8c1e4
Create Date: 2026-12-02 06:40:00

Nothing is rolled up by the upgrade itself: the rollup job starts from the oldest reading.
"""

import sqlalchemy as sa
from alembic import op

from booking.infra.dbtypes import UTCDateTime

revision = "a1f0c3d5e7b9"
down_revision = "a3d6f0b8c1e4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "occupancy_rollups",
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("occupied_seconds", sa.Float(), nullable=False),
        sa.Column("peak_count", sa.Integer(), nullable=False),
        sa.Column("mean_count", sa.Float(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], name=op.f("fk_occupancy_rollups_space_id_spaces")),
        sa.PrimaryKeyConstraint("space_id", "starts_at", name=op.f("pk_occupancy_rollups")),
    )
    op.create_index("ix_occupancy_rollups_starts_at", "occupancy_rollups", ["starts_at"], unique=False)
    op.create_table(
        "readings_horizon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rolled_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("raw_from", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readings_horizon")),
    )


def downgrade():
    op.drop_table("readings_horizon")
    op.drop_index("ix_occupancy_rollups_starts_at", table_name="occupancy_rollups")
    op.drop_table("occupancy_rollups")
