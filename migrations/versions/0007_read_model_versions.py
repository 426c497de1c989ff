"""read model versions: cache_version and the triggers that renew it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00

"""
import random

from alembic import op
import sqlalchemy as sa

from omni_store.core.read_cache import trigger_statements


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Frozen here: later read models add their own migration.
WATCHED = {"network": ("location", "shuttle_route")}


def upgrade():
    op.create_table('cache_version',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('token', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_version'))
    )
    for statement in trigger_statements(op.get_bind().dialect.name, WATCHED):
        op.execute(statement)
    # The locations already there are cached from now on, without waiting for a write.
    op.execute(sa.text("INSERT INTO cache_version (name, token) VALUES ('network', :token)")
               .bindparams(token=random.getrandbits(62)))


def downgrade():
    bind = op.get_bind()
    for table in WATCHED["network"]:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS cache_version_{table} ON {table}")
        else:
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS cache_version_{table}_{operation}")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS renew_cache_version()")
    op.drop_table('cache_version')
