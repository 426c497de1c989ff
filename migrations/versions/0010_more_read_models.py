"""read models of the catalogue, the marketplace, buffers and API keys: their triggers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00

"""
import random

from alembic import op
import sqlalchemy as sa

from omni_store.core.read_cache import trigger_statements


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Frozen here: later read models add their own migration.
WATCHED = {
    "catalog": ("product", "barcode"),
    "marketplace": ("offer", "seller"),
    "buffers": ("buffer",),
    "api_clients": ("api_client",),
}


def upgrade():
    for statement in trigger_statements(op.get_bind().dialect.name, WATCHED):
        op.execute(statement)
    for name in WATCHED:  # what is already there is cached from now on
        op.execute(sa.text("INSERT INTO cache_version (name, token) VALUES (:name, :token)")
                   .bindparams(name=name, token=random.getrandbits(62)))


def downgrade():
    bind = op.get_bind()
    for tables in WATCHED.values():
        for table in tables:
            if bind.dialect.name == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS cache_version_{table} ON {table}")
            else:
                for operation in ("insert", "update", "delete"):
                    op.execute(f"DROP TRIGGER IF EXISTS cache_version_{table}_{operation}")
    op.execute(sa.text("DELETE FROM cache_version WHERE name IN :names")
               .bindparams(sa.bindparam("names", expanding=True, value=list(WATCHED))))
