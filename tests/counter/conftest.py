from types import SimpleNamespace

import pytest
from sqlalchemy import select

from omni_store.auth.models import Role
from omni_store.counter import tokens
from omni_store.counter.models import PickupToken, TokenPurpose
from omni_store.extensions import db as _db
from omni_store.inventory.models import StockLevel
from omni_store.network.models import Zone, ZoneKind
from omni_store.orders.models import Order
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


@pytest.fixture
def associate(login, shop):
    return login(Role.ASSOCIATE, shop.store)


@pytest.fixture
def phone(app, db):
    """The customer's phone: a second client with no session."""
    return app.test_client()


def ready_order(shop, lines, store=None, **fields) -> Order:
    """Ready in the shop's slot, or (`store` another) in a hold slot of that store."""
    store = store or shop.store
    slot = shop.slot if store.id == shop.store.id else hold_slot(store)
    return factories.ready_order(store, slot, lines, **fields)


def hold_slot(store) -> Zone:
    found = _db.session.scalar(select(Zone).filter_by(location_id=store.id, kind=ZoneKind.HOLD))
    return found or factories.zone(store, ZoneKind.HOLD, name="Slot 01", slot_number=1,
                                   capacity=10)


def link_row(link: str) -> PickupToken | None:
    """The stored customer link a URL opens. Compare these, not texts: a link's text carries
    the second it was signed in, so the same link shown twice may read differently."""
    return tokens.resolve(link.rsplit("/p/", 1)[1].split("/")[0], TokenPurpose.ORDER_VIEW)
