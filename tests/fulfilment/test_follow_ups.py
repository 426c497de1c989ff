"""Tasks tell fulfilment through tasks.events; a step nobody answers fails instead of being lost."""
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from omni_store.fulfilment import follow_ups
from omni_store.fulfilment.placing import place_order
from omni_store.inventory.models import StockLevel
from omni_store.network.models import ZoneKind
from omni_store.orders.models import OrderStatus
from omni_store.tasks import picking
from omni_store.tasks.events import NoReceiver, order_work_moved, units_missing
from omni_store.tasks.models import Task, TaskKind
from tests import factories


@contextmanager
def disconnected(signal, receiver):
    signal.disconnect(receiver)
    try:
        yield
    finally:
        signal.connect(receiver)


@pytest.fixture
def pick(db):
    """The pick task of a one-phone order at Rivoli; Bastille has the phone too."""
    rivoli = factories.store("PAR-RIV", 48.8600, 2.3470)
    bastille = factories.store("PAR-BAS", 48.8532, 2.3691)
    phone = factories.product("PHONE-A", "Phone A")
    for store in (rivoli, bastille):
        factories.stock(store, phone, 3)
        level = db.session.scalar(select(StockLevel).filter_by(location_id=store.id))
        level.zone_id = factories.zone(store, ZoneKind.SALES_FLOOR).id
    db.session.flush()
    order = place_order(factories.order_request([(phone, 1)], store_loc=rivoli))
    task = db.session.scalar(select(Task).filter_by(order_id=order.id, kind=TaskKind.PICK))
    return task, factories.user(store_loc=rivoli), bastille


def test_a_short_pick_is_re_sourced_by_fulfilment(pick):
    task, associate, bastille = pick

    result = picking.report_short_pick(task, 1, "not_on_shelf", associate.id)

    assert result.shortfall.covered
    assert [a.location_id for a in result.shortfall.new_allocations] == [bastille.id]


def test_a_short_pick_nobody_re_sources_fails_loudly(pick):
    task, associate, _bastille = pick

    with disconnected(units_missing, follow_ups.resource_missing_units), \
            pytest.raises(NoReceiver, match="units-missing"):
        picking.report_short_pick(task, 1, "not_on_shelf", associate.id)


def test_a_finished_pick_nobody_moves_on_fails_loudly(pick):
    task, associate, _bastille = pick

    with disconnected(order_work_moved, follow_ups.move_order_on), \
            pytest.raises(NoReceiver, match="order-work-moved"):
        picking.record_pick_scan(task, task.product.ean, associate.id, "scan1")


def test_a_finished_pick_moves_the_order_on(db, pick):
    task, associate, _bastille = pick

    picking.record_pick_scan(task, task.product.ean, associate.id, "scan1")

    assert task.order.status == OrderStatus.PICKING
    isolate = db.session.scalar(select(Task).filter_by(order_id=task.order_id,
                                                       kind=TaskKind.ISOLATE))
    assert isolate is not None  # every unit is at the pickup store
