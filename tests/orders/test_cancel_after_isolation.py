"""Cancelling an order whose items already wait in a hold slot gives everything back."""
from sqlalchemy import select

from omni_store.inventory.models import StockLevel
from omni_store.inventory.queries import ledger_mismatches
from omni_store.network.models import ZoneKind
from omni_store.orders.models import Hold, HoldStatus, OrderStatus
from omni_store.fulfilment.cancellation import cancel_order
from omni_store.tasks.models import Task, TaskKind, TaskStatus
from tests import factories


def test_cancelling_a_ready_order_frees_its_slot_and_puts_the_items_back(db):
    store = factories.store()
    slot = factories.zone(store, ZoneKind.HOLD, slot_number=1, capacity=4)
    product = factories.product()
    factories.stock(store, product, 5)
    order = factories.ready_order(store, slot, [(product.sku, 2)])

    cancel_order(order, actor_id=None, reason="customer changed their mind")

    assert order.status == OrderStatus.CANCELLED
    hold = db.session.scalars(select(Hold).filter_by(order_id=order.id)).one()
    assert hold.status == HoldStatus.RELEASED and hold.ended_at is not None
    level = db.session.scalars(select(StockLevel).filter_by(product_id=product.id)).one()
    assert (level.on_hand, level.allocated) == (5, 0)
    restock = db.session.scalars(select(Task).filter_by(order_id=order.id, kind=TaskKind.RESTOCK)).all()
    assert [(t.quantity, t.status) for t in restock] == [(2, TaskStatus.OPEN)]
    assert ledger_mismatches() == []
