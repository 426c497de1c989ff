from datetime import UTC, datetime
from types import SimpleNamespace
from uuid import uuid4

import pytest
from sqlalchemy import select

from omni_store.auth.models import Role
from omni_store.inventory.models import StockLevel
from omni_store.orders.models import DeliveryMethod
from omni_store.fulfilment.placing import place_order
from omni_store.shuttles.packing import pack_task_item
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from omni_store.tasks.services import claim_task, complete_task
from tests import factories

# A Tuesday, 10:00 in Paris (UTC+1 in winter). Bastille → Rivoli leaves at 11:00 and 16:00,
# cut-off 30 min before; an order placed now is picked by 12:00, so it plans the 16:00 run.
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
PLANNED_DEPARTURE = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock(clock):
    """'now' for the whole app; a test moves it forward."""
    clock.moment = NOW
    return clock


@pytest.fixture
def chain(db, clock):
    rivoli = factories.store("PAR-RIV", 48.8600, 2.3470, name="Paris Rivoli")
    bastille = factories.store("PAR-BAS", 48.8532, 2.3691, name="Paris Bastille")
    route = factories.shuttle_route(bastille, rivoli, ("11:00", "16:00"), transit_minutes=25,
                                    cutoff_minutes=30)
    phone = factories.product("PHONE-B", "Phone B")
    factories.stock(bastille, phone, 5)
    return SimpleNamespace(
        rivoli=rivoli, bastille=bastille, route=route, phone=phone,
        packer=factories.user(Role.ASSOCIATE, bastille),
        receiver=factories.user(Role.ASSOCIATE, rivoli),
    )


def order_from_bastille(chain, quantity=2, product=None, method=DeliveryMethod.PICKUP):
    product = product or chain.phone
    if method == DeliveryMethod.PICKUP:
        request = factories.order_request([(product, quantity)], store_loc=chain.rivoli)
    else:
        request = factories.order_request([(product, quantity)], method=method,
                                          ship_address="1 rue de la Paix, Paris",
                                          ship_latitude=48.8532, ship_longitude=2.3691)
    return place_order(request)


def task_of(order, kind, location) -> Task:
    from omni_store.extensions import db

    return db.session.scalar(select(Task).filter_by(order_id=order.id, kind=kind,
                                                   location_id=location.id))


def pick_all(order, location, user):
    pick = task_of(order, TaskKind.PICK, location)
    claim_task(pick, user.id)
    complete_task(pick, user.id)


def pack_all(order, chain, user=None):
    """Pick and pack every unit of the order at Bastille; returns the open parcel."""
    user = user or chain.packer
    pick_all(order, chain.bastille, user)
    pack = task_of(order, TaskKind.PACK, chain.bastille)
    parcel = None
    for _unit in range(pack.quantity):
        parcel = pack_task_item(pack, pack.product.ean, user.id, uuid4().hex)
    return parcel


def level(location, product) -> tuple[int, int, int]:
    from omni_store.extensions import db

    found = db.session.scalar(select(StockLevel).filter_by(location_id=location.id,
                                                          product_id=product.id))
    if found is None:
        return (0, 0, 0)
    db.session.refresh(found)
    return (found.on_hand, found.allocated, found.quarantine)


def open_tasks(location, kind) -> list[Task]:
    from omni_store.extensions import db

    return list(db.session.scalars(select(Task).where(
        Task.location_id == location.id, Task.kind == kind,
        Task.status.in_([TaskStatus.OPEN, TaskStatus.IN_PROGRESS]))))
