"""indexes: a product's open tasks chain-wide, a store's movements of one kind by day

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_product_id_kind', ['product_id', 'kind'], unique=False)
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movement_location_id_reason_created_at',
                              ['location_id', 'reason', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movement_location_id_reason_created_at')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_product_id_kind')
