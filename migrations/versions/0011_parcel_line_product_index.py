"""index: the parcels a product travels in, chain-wide

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parcel_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parcel_line_product_id'), ['product_id'], unique=False)


def downgrade():
    with op.batch_alter_table('parcel_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parcel_line_product_id'))
