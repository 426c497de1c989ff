"""The store work that moves new allocations' units to the customer (DESIGN §5)."""
from datetime import datetime

from omni_store.extensions import db
from omni_store.orders.allocating import Sourced
from omni_store.orders.models import Order
from omni_store.orders.promise import picking_sla
from omni_store.tasks.models import TaskKind
from omni_store.tasks.services import create_task


def create_work(order: Order, sourced: list[Sourced], now: datetime,
                actor_id: int | None) -> None:
    """The work each source and the pickup store do for these allocations. The pickup
    store's ISOLATE comes later, from fulfilment.progress.advance, once every unit is there."""
    store = order.pickup_location
    for entry in sourced:
        allocation = entry.allocation
        source = entry.source
        about = dict(order_id=order.id, allocation_id=allocation.id,
                     product_id=allocation.line.product_id, quantity=allocation.quantity,
                     actor_id=actor_id, flush=False)
        at_pickup_store = store is not None and source.id == store.id
        if source.is_store:
            create_task(source.id, TaskKind.PICK, now + picking_sla(), zone_id=entry.zone_id,
                        **about)
            if not at_pickup_store:
                create_task(source.id, TaskKind.PACK, entry.leg.dispatch_by,
                            counterpart_location_id=store.id if store else None, **about)
        if store is not None and not at_pickup_store:
            create_task(store.id, TaskKind.RECEIVE, allocation.expected_at,
                        counterpart_location_id=source.id, **about)
    db.session.flush()  # every task and its first event in one batch
