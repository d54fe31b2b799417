"""the sites' access instructions and the spaces' picture descriptions in English too

The existing columns hold the French text (the venue's language); English readers get these.

Revision ID: e2c4a6b8d0f1
Revises: d2a8f4c6e1b3
Create Date: 2026-12-02 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e2c4a6b8d0f1"
down_revision = "d2a8f4c6e1b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_en", sa.String(length=1000), nullable=False, server_default=""))
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_alt_en", sa.String(length=300), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.drop_column("photo_alt_en")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("access_en")
