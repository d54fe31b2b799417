"""mail: messages on their way out, and which outbox events were turned into mail

Revision ID: d7a3e5f1c2b8
Revises: 5b1e0c7d9a42
Create Date: 2026-11-28 09:00:00

Events written before this revision are marked as mailed: deploying it must not send a
confirmation for every booking of the last month.
"""

import sqlalchemy as sa
from alembic import op

from booking.infra.dbtypes import UTCDateTime

revision = "d7a3e5f1c2b8"
down_revision = "5b1e0c7d9a42"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_mail_messages_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_mail_messages_key")),
    )
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.create_index("ix_mail_messages_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_messages_recipient"), ["recipient"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_messages_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mailed_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_events_mailed_at"), ["mailed_at"], unique=False)
    op.execute("UPDATE outbox_events SET mailed_at = created_at")


def downgrade():
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_events_mailed_at"))
        batch_op.drop_column("mailed_at")
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_messages_created_at"))
        batch_op.drop_index(batch_op.f("ix_mail_messages_recipient"))
        batch_op.drop_index("ix_mail_messages_due")
    op.drop_table("mail_messages")
