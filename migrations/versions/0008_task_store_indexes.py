"""task indexes: a store's open tasks by due time, and its day's new tasks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 11:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index('ix_task_location_id_status_due_at', ['location_id', 'status', 'due_at'],
                              unique=False)
        batch_op.create_index('ix_task_location_id_created_at', ['location_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index('ix_task_location_id_created_at')
        batch_op.drop_index('ix_task_location_id_status_due_at')
