"""Cancelling an order, and what any closed order gives back: stock, slot, work (DESIGN §5)."""
from flask_babel import gettext as _
from sqlalchemy import select

from omni_store.core.clock import utcnow
from omni_store.core.errors import DomainError
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.orders.cancellation import active_holds, free_slots, release_allocations
from omni_store.orders.models import Order, OrderStatus, Transport
from omni_store.orders.promise import picking_sla
from omni_store.orders.transitions import move_order
from omni_store.tasks.models import FINAL_TASK_STATUSES, Task, TaskKind, TaskStatus
from omni_store.tasks.services import cancel_task, create_task


def cancel_order(order: Order, actor_id: int | None, reason: str = "") -> None:
    """Give the stock back and stop the work; cancelling twice is harmless."""
    if not move_order(order, OrderStatus.CANCELLED, actor_id=actor_id, note=reason):
        if order.status == OrderStatus.CANCELLED:
            return
        raise DomainError(_("Order %(number)s is closed; it can no longer be cancelled.",
                            number=order.number))
    give_back_order_items(order, actor_id, reason)


def give_back_order_items(order: Order, actor_id: int | None, reason: str) -> None:
    """A closed order's promised units return to stock, with a restock task for what is off
    the shelf; its slot is freed and its open work stops (cancelled or expired orders)."""
    tasks = db.session.scalars(select(Task).where(Task.order_id == order.id)).all()
    picks_done = {
        t.allocation_id: t for t in tasks if t.kind == TaskKind.PICK and t.status == TaskStatus.DONE
    }
    restock_due = utcnow() + picking_sla()
    holds = active_holds(order)
    for allocation in release_allocations(order, inventory.Ref(order.reference, actor_id, reason)):
        # Picked, arrived from elsewhere, or waiting in a slot: off the shelf, someone puts it back.
        at_pickup_store = allocation.location_id == order.pickup_location_id
        off_the_shelf = allocation.id in picks_done or (
            at_pickup_store and (bool(holds) or allocation.transport != Transport.SAME_STORE)
        )
        if off_the_shelf:
            picked = picks_done.get(allocation.id)
            create_task(allocation.location_id, TaskKind.RESTOCK, restock_due,
                        order_id=order.id, allocation_id=allocation.id,
                        product_id=allocation.line.product_id,
                        zone_id=picked.zone_id if picked else None,
                        quantity=allocation.quantity, actor_id=actor_id, note=reason)
    free_slots(holds)
    for task in tasks:
        if task.status not in FINAL_TASK_STATUSES:
            cancel_task(task, actor_id, reason)
    db.session.flush()
