from types import SimpleNamespace

import pytest
from sqlalchemy import select

from omni_store.catalog.models import Offer, Seller
from omni_store.inventory.models import StockLevel
from omni_store.network.models import ZoneKind
from omni_store.orders.models import OrderStatus
from tests import factories


@pytest.fixture
def chain(db):
    """Rivoli takes returns; Bastille sold some of the orders; two warehouses, one nearer."""
    rivoli = factories.store("PAR-RIV", 48.8600, 2.3470)
    bastille = factories.store("PAR-BAS", 48.8532, 2.3691)
    shelf = factories.zone(rivoli, ZoneKind.SALES_FLOOR, name="Shelf A")
    phone = factories.product(name="Phone A", price_cents=40000)
    case = factories.product(name="Phone case", price_cents=2000)
    for store in (rivoli, bastille):
        for product in (phone, case):
            factories.stock(store, product, 10)
    db.session.scalar(select(StockLevel).filter_by(location_id=rivoli.id, product_id=case.id)
                      ).zone_id = shelf.id
    seller = Seller(code="SELL-1", name="Phone Outlet", rating=4.5)
    db.session.add(seller)
    db.session.flush()
    offer = Offer(seller_id=seller.id, product_id=phone.id, price_cents=35000, stock=5)
    db.session.add(offer)
    db.session.flush()
    return SimpleNamespace(
        rivoli=rivoli, bastille=bastille, shelf=shelf, phone=phone, case=case, offer=offer,
        rivoli_slot=factories.zone(rivoli, ZoneKind.HOLD, slot_number=1, capacity=10),
        bastille_slot=factories.zone(bastille, ZoneKind.HOLD, slot_number=1, capacity=10),
        near_warehouse=factories.warehouse("WH-NEAR", 48.90, 2.35),
        far_warehouse=factories.warehouse("WH-FAR", 45.76, 4.84),
    )


def bought(chain, lines, store=None, **fields):
    """An order collected at Bastille (by default), so Rivoli takes back another store's sale."""
    store = store or chain.bastille
    slot = chain.bastille_slot if store == chain.bastille else chain.rivoli_slot
    return factories.handed_over_order(store, slot, lines, **fields)


def shipped(chain, lines, **fields):
    order = factories.ready_order(chain.bastille, chain.bastille_slot, lines, **fields)
    order.status = OrderStatus.SHIPPED
    return order
