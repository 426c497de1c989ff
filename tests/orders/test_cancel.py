"""Cancelling gives the stock back and stops the work; closed orders stay closed."""
import pytest
from sqlalchemy import select

from omni_store.core.errors import DomainError
from omni_store.inventory.models import StockLevel, StockMovement
from omni_store.orders.models import AllocationStatus, OrderStatus
from omni_store.fulfilment.cancellation import cancel_order
from omni_store.fulfilment.placing import place_order
from omni_store.orders.queries import order_plan
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from omni_store.tasks.services import complete_task
from tests import factories
from tests.orders.conftest import shelve


@pytest.fixture
def order(db, chain):
    shelve(db, chain.rivoli, chain.phone, 1)
    shelve(db, chain.bastille, chain.phone, 1)
    return place_order(factories.order_request([(chain.phone, 2)], store_loc=chain.rivoli))


def allocated_units(db):
    return sum(db.session.scalars(select(StockLevel.allocated)))


def task_states(db, order):
    tasks = db.session.scalars(select(Task).filter_by(order_id=order.id).order_by(Task.id))
    return [(t.kind, t.location.code, t.status) for t in tasks]


def test_cancel_releases_stock_and_cancels_the_work(db, chain, order):
    manager = factories.user()
    assert allocated_units(db) == 2

    cancel_order(order, manager.id, "customer changed her mind")

    assert order.status == OrderStatus.CANCELLED
    assert allocated_units(db) == 0
    assert {t.status for t in db.session.scalars(select(Task))} == {TaskStatus.CANCELLED}
    releases = db.session.scalars(select(StockMovement).filter_by(reason="deallocate")).all()
    assert {(m.reference, m.actor_id, m.note) for m in releases} == {
        (order.reference, manager.id, "customer changed her mind")}
    assert order_plan(order)[0].allocations == []
    released = order_plan(order, include_released=True)[0].allocations
    assert {a.status for a in released} == {AllocationStatus.RELEASED}


def test_picked_units_get_a_restock_task(db, chain, order):
    pick_here = db.session.scalar(
        select(Task).filter_by(kind=TaskKind.PICK, location_id=chain.rivoli.id))
    complete_task(pick_here, None)

    cancel_order(order, None, "cancelled")

    assert (TaskKind.RESTOCK, "PAR-RIV", TaskStatus.OPEN) in task_states(db, order)
    assert (TaskKind.PICK, "PAR-RIV", TaskStatus.DONE) in task_states(db, order)
    assert (TaskKind.PICK, "PAR-BAS", TaskStatus.CANCELLED) in task_states(db, order)


def test_cancelling_twice_is_harmless(db, order):
    cancel_order(order, None, "double tap")
    movements = len(db.session.scalars(select(StockMovement)).all())

    cancel_order(order, None, "double tap")

    assert len(db.session.scalars(select(StockMovement)).all()) == movements
    assert order.status == OrderStatus.CANCELLED


def test_a_closed_order_cannot_be_cancelled(db, order):
    order.status = OrderStatus.HANDED_OVER
    db.session.flush()

    with pytest.raises(DomainError, match=f"Order {order.number} is closed"):
        cancel_order(order, None, "too late")

    assert allocated_units(db) == 2


def test_order_plan_lists_each_line_with_its_sources(db, order):
    (line_plan,) = order_plan(order)

    assert line_plan.line.quantity == 2
    assert [(a.location.code, a.quantity) for a in line_plan.allocations] == [
        ("PAR-RIV", 1), ("PAR-BAS", 1)]
    assert all(a.explanation for a in line_plan.allocations)
