"""Units promised at a source are not there: promise them from elsewhere, with their work."""
from sqlalchemy import select

from omni_store.core.clock import utcnow
from omni_store.core.errors import NotAvailable
from omni_store.extensions import db
from omni_store.fulfilment.work import create_work
from omni_store.orders.allocating import destination_of, repromise
from omni_store.orders.models import Allocation
from omni_store.orders.resourcing import Shortfall, allocate_elsewhere, shrink_allocation
from omni_store.orders.sourcing import SourcingRules
from omni_store.tasks.models import FINAL_TASK_STATUSES, Task, TaskStatus
from omni_store.tasks.services import cancel_task


def resource_shortfall(allocation: Allocation, missing: int, actor_id: int | None,
                       rules: SourcingRules | None = None) -> Shortfall:
    """Units promised at a source are not there: promise them from elsewhere.

    The caller has already taken the missing units out of stock (short_pick). The
    allocation shrinks, the work that depended on it shrinks with it, and the missing
    units are allocated at other sources with their own tasks; the order's promise moves.
    If no other source has them, the order keeps what it has: its lines show the gap
    (`uncovered_units`) for a manager to settle with the customer.
    """
    shrink_allocation(allocation, missing)
    _shrink_dependent_tasks(allocation, actor_id)
    order = allocation.line.order
    now = utcnow()
    try:
        with db.session.begin_nested():
            sourced = allocate_elsewhere(allocation, missing, now, actor_id, rules)
            create_work(order, sourced, now, actor_id)
    except NotAvailable:
        db.session.flush()
        return Shortfall(missing, [])
    repromise(order, destination_of(order))
    db.session.flush()
    return Shortfall(missing, [entry.allocation for entry in sourced])


def _shrink_dependent_tasks(allocation: Allocation, actor_id: int | None) -> None:
    """Open work moving this allocation's units (pack, receive) now moves fewer of them."""
    tasks = db.session.scalars(
        select(Task).where(Task.allocation_id == allocation.id,
                           Task.status.not_in(FINAL_TASK_STATUSES | {TaskStatus.EXCEPTION}))
    ).all()
    for task in tasks:
        if allocation.quantity == 0:
            cancel_task(task, actor_id, "re-sourced")
        else:
            task.quantity = allocation.quantity
    db.session.flush()
