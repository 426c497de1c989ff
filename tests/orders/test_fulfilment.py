"""The order moves on as its units reach the pickup store; the ISOLATE appears last."""
from sqlalchemy import select

from omni_store.inventory.queries import ledger_mismatches
from omni_store.fulfilment.progress import advance
from omni_store.orders.models import OrderStatus
from omni_store.fulfilment.placing import place_order
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from omni_store.tasks.services import claim_task, complete_task
from tests import factories
from tests.orders.conftest import shelve


def tasks_of(db, order, kind):
    return db.session.scalars(select(Task).filter_by(order_id=order.id, kind=kind)
                              .order_by(Task.id)).all()


def test_the_isolate_waits_for_the_last_unit_to_arrive(db, chain, now):
    shelve(db, chain.rivoli, chain.phone, 1)
    shelve(db, chain.bastille, chain.phone, 1)
    order = place_order(factories.order_request([(chain.phone, 2)], store_loc=chain.rivoli))
    local_pick, remote_pick = tasks_of(db, order, TaskKind.PICK)
    (receipt,) = tasks_of(db, order, TaskKind.RECEIVE)

    advance(order)
    assert order.status == OrderStatus.SOURCED  # nothing started yet

    claim_task(remote_pick, None)
    advance(order)
    assert order.status == OrderStatus.PICKING

    for step in (local_pick, remote_pick):
        complete_task(step, None)
        advance(order)
        assert tasks_of(db, order, TaskKind.ISOLATE) == []  # the shuttle's unit is not here

    complete_task(receipt, None)
    advance(order)
    advance(order)  # called twice (pick and receipt at once): one isolate

    (isolate,) = tasks_of(db, order, TaskKind.ISOLATE)
    assert (isolate.location_id, isolate.quantity, isolate.status) == (
        chain.rivoli.id, 2, TaskStatus.OPEN)
    assert ledger_mismatches() == []


def test_a_shipped_order_gets_no_hold_slot(db, chain):
    shelve(db, chain.rivoli, chain.phone, 1)
    order = place_order(factories.order_request(
        [(chain.phone, 1)], factories.DeliveryMethod.SHIP_FROM_STORE, ship_address="2 rue Hoche",
        ship_latitude=48.89, ship_longitude=2.25))
    (pick,) = tasks_of(db, order, TaskKind.PICK)

    complete_task(pick, None)
    advance(order)

    assert order.status == OrderStatus.PICKING
    assert tasks_of(db, order, TaskKind.ISOLATE) == []
