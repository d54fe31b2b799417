"""services and equipment a booking carries, hybrid attendance, and cancellation policies

Revision ID: 1e30decd15f4
Revises: c9d1e3f5a7b2
Create Date: 2026-12-02 06:36:57

Existing bookings carry no service, nobody online, no link and no fee; existing spaces cancel
free of charge until `onexp seed` reads their policy from sites.toml.
"""
from alembic import op
import sqlalchemy as sa
import booking.infra.dbtypes  # noqa: F401  (custom column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = '1e30decd15f4'
down_revision = 'c9d1e3f5a7b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('per', sa.String(length=20), nullable=False),
    sa.Column('price_excl_vat', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=4, scale=3), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('spaces', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('stock IS NULL OR stock >= 0', name=op.f('ck_service_items_stock_not_negative')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_service_items_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_items')),
    sa.UniqueConstraint('site_id', 'slug', name=op.f('uq_service_items_site_id'))
    )
    op.create_table('booking_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=4, scale=3), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_booking_services_quantity_positive')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_services_booking_id_bookings')),
    sa.ForeignKeyConstraint(['item_id'], ['service_items.id'], name=op.f('fk_booking_services_item_id_service_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_services'))
    )
    with op.batch_alter_table('booking_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_services_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_services_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('online_attendees', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('streaming_link', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('cancellation_fee', sa.Numeric(precision=10, scale=2), nullable=True))

    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_free_days', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('cancel_fee_percent', sa.Integer(), nullable=False, server_default='0'))



def downgrade():
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_column('cancel_fee_percent')
        batch_op.drop_column('cancel_free_days')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('cancellation_fee')
        batch_op.drop_column('streaming_link')
        batch_op.drop_column('online_attendees')

    with op.batch_alter_table('booking_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_services_item_id'))
        batch_op.drop_index(batch_op.f('ix_booking_services_booking_id'))

    op.drop_table('booking_services')
    op.drop_table('service_items')
