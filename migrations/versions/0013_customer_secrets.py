"""pickup codes unlocked by staff (who, when); outbox payloads keep no customer secret

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa

import omni_store.core.types


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

SECRET_FIELDS = ('link', 'pickup_code')
WITH_LINK = ('ready_for_pickup', 'hold_expiry_reminder')


def upgrade():
    with op.batch_alter_table('pickup_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('codes_unlocked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('codes_unlocked_at',
                                      omni_store.core.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pickup_token_codes_unlocked_by_id_user'),
                                    'user', ['codes_unlocked_by_id'], ['id'])
    _drop_secrets_from_outbox()


def _drop_secrets_from_outbox():
    """Links and codes written before: gone; an event still to send names its stored link."""
    outbox = sa.table('outbox_event', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                      sa.column('payload', sa.JSON), sa.column('sent_at', sa.DateTime))
    token = sa.table('pickup_token', sa.column('id', sa.Integer),
                     sa.column('order_id', sa.Integer), sa.column('purpose', sa.String))
    order = sa.table('order', sa.column('id', sa.Integer), sa.column('number', sa.String))
    conn = op.get_bind()
    events = conn.execute(sa.select(outbox.c.id, outbox.c.payload, outbox.c.sent_at)
                          .where(outbox.c.kind.in_(WITH_LINK))).all()
    for event_id, payload, sent_at in events:
        if not payload or not set(SECRET_FIELDS) & payload.keys():
            continue
        cleaned = {k: v for k, v in payload.items() if k not in SECRET_FIELDS}
        if sent_at is None and 'order' in payload:
            cleaned['pickup_token'] = conn.scalar(
                sa.select(token.c.id).join(order, order.c.id == token.c.order_id)
                .where(order.c.number == payload['order'], token.c.purpose == 'order_view')
                .order_by(token.c.id.desc()).limit(1))
        conn.execute(sa.update(outbox).where(outbox.c.id == event_id).values(payload=cleaned))


def downgrade():
    # The links and codes removed from outbox payloads are not put back: they were secrets.
    with op.batch_alter_table('pickup_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pickup_token_codes_unlocked_by_id_user'),
                                 type_='foreignkey')
        batch_op.drop_column('codes_unlocked_at')
        batch_op.drop_column('codes_unlocked_by_id')
