"""sign-up: companies awaiting approval, verified addresses, company admins, single-use links

Revision ID: f5c8d3e7b1a9
Revises: 827265cb6278
Create Date: 2026-12-02 04:00:00

Companies and people that exist already were made by staff: active and verified.
"""

import sqlalchemy as sa
from alembic import op

import booking.infra.dbtypes

revision = "f5c8d3e7b1a9"
down_revision = "827265cb6278"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default="active"))
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("vat_number", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("billing_address", sa.String(length=500), nullable=False, server_default=""))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", booking.infra.dbtypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("company_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE users SET email_verified_at = created_at")
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", booking.infra.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", booking.infra.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", booking.infra.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_account_links_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_links_user_id"), ["user_id"], unique=False)
    op.create_table(
        "signup_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("at", booking.infra.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signup_attempts")),
    )
    with op.batch_alter_table("signup_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signup_attempts_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_signup_attempts_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_signup_attempts_at"), ["at"], unique=False)


def downgrade():
    op.drop_table("signup_attempts")
    op.drop_table("account_links")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("company_admin")
        batch_op.drop_column("email_verified_at")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("billing_address")
        batch_op.drop_column("vat_number")
        batch_op.drop_column("country")
        batch_op.drop_column("status")
