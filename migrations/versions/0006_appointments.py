"""appointments

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 04:04:27.596440

"""
from alembic import op
import sqlalchemy as sa

import omni_store.core.types


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appointment_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', omni_store.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('length_minutes', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('expertise', sa.String(length=40), nullable=False),
    sa.Column('created_at', omni_store.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_appointment_slot_capacity_positive')),
    sa.CheckConstraint('length_minutes >= 1', name=op.f('ck_appointment_slot_length_positive')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_appointment_slot_location_id_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_slot')),
    sa.UniqueConstraint('location_id', 'starts_at', 'expertise', name=op.f('uq_appointment_slot_location_id'))
    )
    with op.batch_alter_table('appointment_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_slot_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_slot_starts_at'), ['starts_at'], unique=False)

    op.create_table('appointment_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', omni_store.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', omni_store.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('follow_up_order_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['follow_up_order_id'], ['order.id'], name=op.f('fk_appointment_booking_follow_up_order_id_order')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_appointment_booking_location_id_location')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_appointment_booking_order_id_order')),
    sa.ForeignKeyConstraint(['slot_id'], ['appointment_slot.id'], name=op.f('fk_appointment_booking_slot_id_appointment_slot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_booking')),
    sa.UniqueConstraint('order_id', name=op.f('uq_appointment_booking_order_id'))
    )
    with op.batch_alter_table('appointment_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_booking_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_booking_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_booking_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('appointment_booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_booking_status'))
        batch_op.drop_index(batch_op.f('ix_appointment_booking_slot_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_booking_location_id'))

    op.drop_table('appointment_booking')
    with op.batch_alter_table('appointment_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_slot_starts_at'))
        batch_op.drop_index(batch_op.f('ix_appointment_slot_location_id'))

    op.drop_table('appointment_slot')
