"""What a closed order gives back that orders own: its promised stock and its hold slot.

The work to stop and the units to put back on the shelf are fulfilment's
(omni_store.fulfilment.cancellation), which calls these in the same transaction.
"""
from sqlalchemy import select

from omni_store.core.clock import utcnow
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.orders.models import Allocation, AllocationStatus, Hold, HoldStatus, Order


def release_allocations(order: Order, ref: inventory.Ref) -> list[Allocation]:
    """Every active allocation's units return to its location's stock; the ones released."""
    released = []
    for line in order.lines:
        for allocation in line.allocations:
            if allocation.status != AllocationStatus.ACTIVE:
                continue
            inventory.release(allocation.location_id, line.product_id, allocation.quantity, ref)
            allocation.status = AllocationStatus.RELEASED
            released.append(allocation)
    return released


def active_holds(order: Order) -> list[Hold]:
    return list(db.session.scalars(
        select(Hold).filter_by(order_id=order.id, status=HoldStatus.ACTIVE)
    ))


def free_slots(holds: list[Hold]) -> None:
    """The hold slots are free again."""
    now = utcnow()
    for hold in holds:
        hold.status, hold.ended_at = HoldStatus.RELEASED, now
