from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from omni_store.core.clock import utcnow
from omni_store.inventory.models import StockLevel
from omni_store.network.models import ZoneKind
from omni_store.orders.models import Hold, Order, OrderStatus
from omni_store.orders.services import place_order
from tests import factories


@pytest.fixture
def shop(db):
    """A store with two shelved products and a hold slot; another store next door."""
    store = factories.store("PAR-RIV")
    shelf = factories.zone(store, ZoneKind.SALES_FLOOR, name="Shelf A")
    phone = factories.product(name="Phone A", price_cents=39900)
    case = factories.product(name="Phone case", price_cents=1990)
    for product in (phone, case):
        factories.stock(store, product, 10)
        level = db.session.scalar(select(StockLevel).filter_by(location_id=store.id,
                                                               product_id=product.id))
        level.zone_id = shelf.id
    slot = factories.zone(store, ZoneKind.HOLD, name="Slot 01", slot_number=1, capacity=10)
    return SimpleNamespace(store=store, shelf=shelf, phone=phone, case=case, slot=slot,
                           other=factories.store("PAR-BAS"))


def ready_order(shop, lines, store=None, email="camille.martin@test.example", **fields) -> Order:
    """An order waiting in a hold slot, as the isolate step leaves it."""
    store = store or shop.store
    order = place_order(factories.order_request(lines, store_loc=store, email=email, **fields))
    order.status = OrderStatus.READY
    factories.db.session.add(Hold(order_id=order.id, zone_id=shop.slot.id,
                                  quantity=sum(q for _p, q in lines),
                                  expires_at=utcnow() + timedelta(days=3)))
    factories.db.session.flush()
    return order
