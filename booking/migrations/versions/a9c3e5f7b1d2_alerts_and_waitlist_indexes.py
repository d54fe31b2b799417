"""alerts and waitlist: indexes for the scheduler's every-minute questions

Revision ID: a9c3e5f7b1d2
Revises: f8b2d4a6c0e3
Create Date: 2026-12-03 11:55:00

- The watch asks each space's open alerts every minute; ix_alerts_space_id made it read every
  alert the space ever had. (space_id, status) answers it, and every query by space alone.
- The waitlist sweep asks for the waiting entries of all spaces; the only index led with space_id,
  so it read every entry ever made.
"""

from alembic import op

revision = "a9c3e5f7b1d2"
down_revision = "f8b2d4a6c0e3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_alerts_space_status", "alerts", ["space_id", "status"])
    op.drop_index("ix_alerts_space_id", table_name="alerts")
    op.create_index("ix_waitlist_status_start", "waitlist_entries", ["status", "start_at"])


def downgrade():
    op.drop_index("ix_waitlist_status_start", table_name="waitlist_entries")
    op.create_index("ix_alerts_space_id", "alerts", ["space_id"])
    op.drop_index("ix_alerts_space_status", table_name="alerts")
