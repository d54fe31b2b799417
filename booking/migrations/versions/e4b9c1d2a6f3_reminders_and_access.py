"""reminders: whether a person wants one the day before, and how to get into each site

Revision ID: e4b9c1d2a6f3
Revises: d7a3e5f1c2b8
Create Date: 2026-12-02 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e4b9c1d2a6f3"
down_revision = "d7a3e5f1c2b8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remind_day_before", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access", sa.String(length=1000), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("access")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("remind_day_before")
