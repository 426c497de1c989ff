"""Where an order stands in the store, moved on after each finished step (DESIGN §5).

`advance(order)` is called after a pick, a receipt or an isolation completes. It reads the
order's tasks and moves the order: SOURCED → PICKING once work has started; when every
unit is physically at the pickup store, an ISOLATE task appears for the units not yet in
the hold zone; once they all are, READY (the counter tells the customer, on order_moved).
Calling it again changes nothing.
"""
from sqlalchemy import select

from omni_store.core.clock import utcnow
from omni_store.core.database import lock_row
from omni_store.extensions import db
from omni_store.orders.models import Order, OrderStatus
from omni_store.orders.queries import uncovered_units
from omni_store.orders.transitions import move_order
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskKind, TaskStatus
from omni_store.tasks.services import create_task

# Work at the pickup store that brings units there.
ARRIVAL_KINDS = frozenset({TaskKind.PICK, TaskKind.RECEIVE})
STARTED_STATUSES = frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.EXCEPTION})


def advance(order: Order, actor_id: int | None = None) -> None:
    # The order row is the lock: two steps finishing at once must not both add an ISOLATE.
    lock_row(Order, order.id)
    tasks = list(db.session.scalars(
        select(Task).where(Task.order_id == order.id).execution_options(populate_existing=True)
    ))
    if order.status == OrderStatus.SOURCED and any(t.status in STARTED_STATUSES for t in tasks):
        move_order(order, OrderStatus.PICKING, actor_id=actor_id, note="work started")
    store_id = order.pickup_location_id
    if store_id is None:
        return  # shipped to the customer: no hold slot
    isolates = [t for t in tasks if t.kind == TaskKind.ISOLATE and t.status != TaskStatus.CANCELLED]
    if any(t.status != TaskStatus.DONE for t in isolates):
        return  # someone is putting units in the hold zone
    if not _all_units_at_store(order, tasks, store_id):
        return
    units_here = sum(t.quantity for t in tasks
                     if t.location_id == store_id and t.kind in ARRIVAL_KINDS
                     and t.status == TaskStatus.DONE)
    isolated = sum(t.quantity for t in isolates)
    if units_here > isolated:
        # The first units, or a product added later (to compare at an appointment).
        create_task(store_id, TaskKind.ISOLATE, max(order.promised_at, utcnow()),
                    order_id=order.id, quantity=units_here - isolated, actor_id=actor_id,
                    note="all units at the store")
    elif order.status in (OrderStatus.SOURCED, OrderStatus.PICKING):
        move_order(order, OrderStatus.READY, actor_id=actor_id, note="every unit in the hold zone")


def _all_units_at_store(order: Order, tasks: list[Task], store_id: int) -> bool:
    """Nothing still coming (open picks or receipts here) and nothing missing anywhere."""
    arrivals = [t for t in tasks if t.location_id == store_id and t.kind in ARRIVAL_KINDS]
    if any(t.status in OPEN_TASK_STATUSES for t in arrivals):
        return False
    if not any(t.status == TaskStatus.DONE for t in arrivals):
        return False  # nothing arrived at all (every pick short, nothing re-sourced here)
    # Work elsewhere (a pick or pack at another store) ends in a receipt here, checked above;
    # a short pick that found no other source leaves a gap a manager must settle first.
    return not uncovered_units(order)
