from omni_store.inventory import services as inventory
from omni_store.inventory.models import Buffer, Channel, StockLevel
from tests import factories


def test_allocation_respects_buffer(db):
    s = factories.store()
    p = factories.product()
    factories.stock(s, p, 3)
    db.session.add(Buffer(channel=Channel.WEB, quantity=1))
    assert inventory.allocate(s.id, p, 2, Channel.WEB)
    assert not inventory.allocate(s.id, p, 1, Channel.WEB)
    assert inventory.allocate(s.id, p, 1, Channel.STORE)
    level = db.session.query(StockLevel).one()
    assert (level.on_hand, level.allocated) == (3, 3)
