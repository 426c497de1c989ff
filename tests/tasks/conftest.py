"""A store floor to run the task flows on: shelves, hold slots, stock, people."""
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from omni_store.auth.models import Role
from omni_store.inventory.models import StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.network.models import ZoneKind
from omni_store.fulfilment.placing import place_order
from omni_store.tasks.models import Task, TaskKind
from tests import factories


def shelve(db, location, product, on_hand, zone):
    factories.stock(location, product, on_hand)
    level = db.session.scalar(
        select(StockLevel).filter_by(location_id=location.id, product_id=product.id))
    level.zone_id = zone.id
    db.session.flush()


@pytest.fixture
def floor(db):
    rivoli = factories.store("PAR-RIV", 48.8600, 2.3470)
    bastille = factories.store("PAR-BAS", 48.8532, 2.3691)
    shelf = factories.zone(rivoli, ZoneKind.SALES_FLOOR, code="PAR-RIV-S1", name="High-tech")
    backroom = factories.zone(rivoli, ZoneKind.BACKROOM, code="PAR-RIV-BR", name="Backroom")
    small = factories.zone(rivoli, ZoneKind.HOLD, code="PAR-RIV-H01", name="Slot 1",
                           slot_number=1, capacity=2)
    large = factories.zone(rivoli, ZoneKind.HOLD, code="PAR-RIV-H02", name="Slot 2",
                           slot_number=2, capacity=6)
    foreign = factories.zone(bastille, ZoneKind.HOLD, code="PAR-BAS-H01", name="Slot 1",
                             slot_number=1, capacity=6)
    bastille_shelf = factories.zone(bastille, ZoneKind.SALES_FLOOR, code="PAR-BAS-S1")
    phone = factories.product("PHONE-A", "Phone A")
    case = factories.product("CASE-A", "Case A", category="accessories")
    shelve(db, rivoli, phone, 5, shelf)
    shelve(db, rivoli, case, 10, shelf)
    alice = factories.user(Role.ASSOCIATE, rivoli)
    bob = factories.user(Role.ASSOCIATE, rivoli)
    manager = factories.user(Role.MANAGER, rivoli)
    outsider = factories.user(Role.ASSOCIATE, bastille)
    return SimpleNamespace(**locals())


def order_at(store, *lines):
    return place_order(factories.order_request(list(lines), store_loc=store))


def task_of(db, order, kind, location=None):
    query = select(Task).filter_by(order_id=order.id, kind=kind)
    if location is not None:
        query = query.filter_by(location_id=location.id)
    return db.session.scalar(query.order_by(Task.id.desc()))


def pick_task(db, order):
    return task_of(db, order, TaskKind.PICK)


@pytest.fixture
def ledger_checked(db):
    yield
    assert ledger_mismatches() == []
