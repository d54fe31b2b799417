"""bookings: indexes for what the queries ask, not one per column

Revision ID: f8b2d4a6c0e3
Revises: e2c4a6b8d0f1
Create Date: 2026-12-03 11:10:00

The bookings table grows by ~1,710 rows a day (2,000,000 at 3 years), each index with it:
- ix_bookings_status indexed every booking for the queries that look for the rare ones (holds to
  expire or warn about, requests waiting for approval): two partial indexes hold those only;
- ix_bookings_group_id indexed the NULL of every booking outside a series: now only the others;
- ix_bookings_start (PostgreSQL): the check-in, reminder and utilization queries bound start_at
  alone and read the whole table every minute without it. A BRIN index, a few pages: a B-tree
  on start_at (7 bytes a booking) offered its order to the "ORDER BY start_at LIMIT" lists that
  filter on a company or a space, and the planner walked the history from its first day.
  (EXPLAIN of every query before and after: the dbsize17 note.)
The exclusion constraint (bookings_no_overlap) is left as it is.
"""

import sqlalchemy as sa
from alembic import op

revision = "f8b2d4a6c0e3"
down_revision = "e2c4a6b8d0f1"
branch_labels = None
depends_on = None


def _where(condition: str) -> dict:
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


def upgrade():
    op.drop_index("ix_bookings_status", table_name="bookings")
    op.drop_index("ix_bookings_group_id", table_name="bookings")
    op.create_index("ix_bookings_group_id", "bookings", ["group_id"], **_where("group_id IS NOT NULL"))
    op.create_index("ix_bookings_hold_expiry", "bookings", ["hold_expires_at"], **_where("status = 'hold'"))
    op.create_index("ix_bookings_pending_start", "bookings", ["start_at"], **_where("status = 'pending'"))
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_bookings_start", "bookings", ["start_at"], postgresql_using="brin")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_bookings_start", table_name="bookings")
    op.drop_index("ix_bookings_pending_start", table_name="bookings")
    op.drop_index("ix_bookings_hold_expiry", table_name="bookings")
    op.drop_index("ix_bookings_group_id", table_name="bookings")
    op.create_index("ix_bookings_group_id", "bookings", ["group_id"])
    op.create_index("ix_bookings_status", "bookings", ["status"])
