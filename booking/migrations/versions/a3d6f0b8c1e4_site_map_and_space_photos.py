"""where the venues are: a map link per site and a picture per space, both named in sites.toml

Revision ID: a3d6f0b8c1e4
Revises: 7ecf8fd62e1b
Create Date: 2026-12-02 06:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a3d6f0b8c1e4"
down_revision = "7ecf8fd62e1b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("map_url", sa.String(length=500), nullable=False, server_default=""))
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("photo_alt", sa.String(length=300), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.drop_column("photo_alt")
        batch_op.drop_column("photo")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("map_url")
