"""Units kept back per channel: the most specific buffer applies, and only to its channel."""
from sqlalchemy import func, select

from omni_store.inventory import services as inventory
from omni_store.inventory.models import Buffer, Channel, StockLevel, StockMovement
from tests import factories


def add_buffer(db, quantity, channel=Channel.WEB, location=None, product=None, category=None):
    db.session.add(Buffer(channel=channel, quantity=quantity, category=category,
                          location_id=location.id if location else None,
                          product_id=product.id if product else None))
    db.session.flush()


def test_most_specific_buffer_wins(db):
    paris, lyon = factories.store(), factories.store()
    phone, other_phone, case = (factories.product(category="phones"),
                                factories.product(category="phones"),
                                factories.product(category="accessories"))
    add_buffer(db, 1)  # chain-wide
    add_buffer(db, 5, location=lyon)  # chain-wide, but only in Lyon
    add_buffer(db, 2, category="phones")
    add_buffer(db, 3, category="phones", location=paris)
    add_buffer(db, 4, product=phone)

    web = inventory.BufferTable(Channel.WEB, [phone, other_phone, case])
    assert web.quantity(lyon.id, phone) == 4  # product beats every other scope
    assert web.quantity(paris.id, other_phone) == 3  # category here beats category anywhere
    assert web.quantity(lyon.id, other_phone) == 2  # category beats a location-only buffer
    assert web.quantity(lyon.id, case) == 5  # location-specific beats chain-wide
    assert web.quantity(paris.id, case) == 1
    assert inventory.BufferTable(Channel.STORE, [phone]).quantity(paris.id, phone) == 0


def test_buffer_holds_units_back_from_its_channel_only(db):
    store, phone = factories.store(), factories.product()
    factories.stock(store, phone, 5)
    add_buffer(db, 2, channel=Channel.WEB)
    add_buffer(db, 4, channel=Channel.MARKETPLACE)

    assert not inventory.allocate(store.id, phone, 4, Channel.WEB)
    assert inventory.allocate(store.id, phone, 3, Channel.WEB)
    assert not inventory.allocate(store.id, phone, 1, Channel.WEB)  # the last 2 are kept back
    assert not inventory.allocate(store.id, phone, 1, Channel.MARKETPLACE)
    assert inventory.allocate(store.id, phone, 2, Channel.STORE)  # no buffer in store

    level = db.session.scalar(select(StockLevel))
    assert (level.on_hand, level.allocated) == (5, 5)
    assert inventory.atp(level, 2) == 0  # never negative, even when the buffer is not covered


def test_refused_allocation_writes_no_movement(db):
    store, phone = factories.store(), factories.product()
    factories.stock(store, phone, 1)
    movements = db.session.scalar(select(func.count(StockMovement.id)))

    assert not inventory.allocate(store.id, phone, 2, Channel.WEB)

    assert db.session.scalar(select(func.count(StockMovement.id))) == movements
    assert db.session.scalar(select(StockLevel.allocated)) == 0
