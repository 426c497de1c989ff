"""Receipt: a parcel's label is scanned at its destination and its contents counted.

What arrived enters the store with its allocation; a discrepancy stays on record, the
origin is asked to count, a missing promised unit is re-sourced. Services flush; the
caller commits.
"""
from collections import defaultdict
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select

from omni_store.core.clock import utcnow
from omni_store.core.database import compare_and_set
from omni_store.core.errors import InvalidInput, NotFound
from omni_store.extensions import db
from omni_store.fulfilment.progress import advance
from omni_store.fulfilment.resourcing import resource_shortfall
from omni_store.inventory import services as inventory
from omni_store.inventory.models import MovementReason
from omni_store.network.models import Location
from omni_store.orders.models import OPEN_ORDER_STATUSES, Allocation, AllocationStatus
from omni_store.orders.promise import picking_sla
from omni_store.shuttles.errors import ShuttleError
from omni_store.shuttles.models import (
    Parcel,
    ParcelBucket,
    ParcelKind,
    ParcelLine,
    ParcelStatus,
    ShuttleRun,
    ShuttleRunStatus,
)
from omni_store.shuttles.packing import MAX_COUNT, normalised_code, open_parcel
from omni_store.shuttles.transitions import move_parcel, move_run
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskKind
from omni_store.tasks.services import complete_task, create_task

COUNT_TASK_DUE = timedelta(hours=4)


def receive_parcel(parcel_code: str, counts: dict[int, int], actor_id: int | None,
                   location_id: int) -> Parcel:
    """The parcel's label is scanned at `location_id` and its contents counted.

    What arrived enters the store (with its allocation, which now waits here); a missing
    or an extra unit stays on record as the line's received quantity, a count task goes
    to the origin, a missing promised unit is re-sourced, an extra one is free stock.
    """
    code = normalised_code(parcel_code)
    parcel = db.session.scalar(select(Parcel).filter_by(code=code, destination_id=location_id))
    if parcel is None:
        raise NotFound(_("No parcel %(code)s is on its way to this store.", code=code))
    counts = _valid_counts(parcel, counts)
    if parcel.status in (ParcelStatus.RECEIVED, ParcelStatus.UNPACKED):
        raise ShuttleError(_("Parcel %(code)s was already received.", code=code))
    if parcel.status != ParcelStatus.IN_TRANSIT:
        raise ShuttleError(_("Parcel %(code)s has not left %(origin)s yet.",
                             code=code, origin=parcel.origin.code))
    if not move_parcel(parcel, ParcelStatus.RECEIVED, received_at=utcnow()):
        raise ShuttleError(_("Parcel %(code)s was already received.", code=code))
    _spread_counts(parcel, counts)
    ref = inventory.Ref(f"parcel:{parcel.code}", actor_id)
    for line in parcel.lines:
        _receive_line(parcel, line, ref, actor_id)
    _close_receive_tasks(parcel, actor_id)
    if parcel.run is not None:
        _arrive_run_if_complete(parcel.run)
    db.session.flush()
    if parcel.order is not None:
        advance(parcel.order, actor_id)
    return parcel


def _valid_counts(parcel: Parcel, counts: dict[int, int]) -> dict[int, int]:
    in_parcel = {line.product_id for line in parcel.lines}
    valid = {}
    for product_id, quantity in counts.items():
        if product_id not in in_parcel:
            raise InvalidInput(_("Only count the products of this parcel."))
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not (
                0 <= quantity <= MAX_COUNT):
            raise InvalidInput(_("A count is a whole number from 0 to %(max)d.", max=MAX_COUNT))
        valid[product_id] = quantity
    return valid


def _spread_counts(parcel: Parcel, counts: dict[int, int]) -> None:
    """Units counted per product fill the lines in order; extra ones go to the last line."""
    left = defaultdict(int, counts)
    last_line = {}
    for line in parcel.lines:
        line.received_quantity = min(left[line.product_id], line.quantity)
        left[line.product_id] -= line.received_quantity
        last_line[line.product_id] = line
    for product_id, extra in left.items():
        if extra > 0:
            last_line[product_id].received_quantity += extra


def _receive_line(parcel: Parcel, line: ParcelLine, ref: inventory.Ref,
                  actor_id: int | None) -> None:
    destination_id = parcel.destination_id
    received = line.received_quantity
    if line.bucket == ParcelBucket.QUARANTINE:
        if received:
            inventory.to_quarantine(destination_id, line.product_id, received, ref,
                                    from_sellable=False, reason=MovementReason.TRANSFER_IN)
    else:
        arrived = min(received, line.quantity)
        allocation = line.allocation
        order = allocation.line.order
        if order.status not in OPEN_ORDER_STATUSES:
            _receive_for_closed_order(parcel, line, allocation, arrived, ref, actor_id)
        else:
            if arrived < line.quantity:
                # Lost on the way: the order gets them from elsewhere, or shows the gap.
                resource_shortfall(allocation, line.quantity - arrived, actor_id)
            if arrived:
                inventory.receive_allocated(destination_id, line.product_id, arrived,
                                            MovementReason.TRANSFER_IN, ref)
                allocation.location_id = destination_id
                allocation.status = AllocationStatus.ACTIVE
        if received > line.quantity:
            inventory.receive(destination_id, line.product_id, received - line.quantity,
                              inventory.Ref(ref.reference, actor_id,
                                            f"{received - line.quantity} more than packed"),
                              reason=MovementReason.RECEIPT)
    if received != line.quantity:
        _count_at_origin(parcel, line, actor_id)


def _receive_for_closed_order(parcel: Parcel, line: ParcelLine, allocation: Allocation,
                              arrived: int, ref: inventory.Ref, actor_id: int | None) -> None:
    """The order was cancelled while its units travelled: they arrive as free stock, someone
    puts them away, and nothing is re-sourced for it."""
    allocation.location_id = parcel.destination_id
    allocation.status = AllocationStatus.RELEASED
    if arrived:
        inventory.receive(parcel.destination_id, line.product_id, arrived, ref,
                          reason=MovementReason.TRANSFER_IN)
        create_task(parcel.destination_id, TaskKind.RESTOCK, utcnow() + picking_sla(),
                    order_id=allocation.line.order_id, allocation_id=allocation.id,
                    product_id=line.product_id, quantity=arrived, actor_id=actor_id,
                    note=f"parcel {parcel.code}: order {allocation.line.order.number} closed")


def _count_at_origin(parcel: Parcel, line: ParcelLine, actor_id: int | None) -> None:
    """A discrepancy: the origin's book for that product is probably wrong."""
    origin = parcel.origin
    if not origin.is_store:
        return
    create_task(origin.id, TaskKind.COUNT, utcnow() + COUNT_TASK_DUE, product_id=line.product_id,
                actor_id=actor_id, note=f"parcel {parcel.code}: {line.quantity} packed, "
                                        f"{line.received_quantity} received")


def _close_receive_tasks(parcel: Parcel, actor_id: int | None) -> None:
    allocation_ids = [line.allocation_id for line in parcel.lines if line.allocation_id]
    if not allocation_ids:
        return
    tasks = db.session.scalars(select(Task).where(
        Task.location_id == parcel.destination_id, Task.kind == TaskKind.RECEIVE,
        Task.allocation_id.in_(allocation_ids), Task.status.in_(OPEN_TASK_STATUSES)))
    for task in tasks:
        complete_task(task, actor_id, f"received in {parcel.code}")


def _arrive_run_if_complete(run: ShuttleRun) -> None:
    """The run has arrived once none of its parcels is still on the road."""
    still_travelling = exists().where(Parcel.run_id == run.id,
                                      Parcel.status == ParcelStatus.IN_TRANSIT)
    move_run(run, ShuttleRunStatus.ARRIVED, only_if=(~still_travelling,))


def receive_delivery(task: Task, counts: dict[int, int], actor_id: int | None) -> Parcel:
    """A warehouse or supplier delivery for an order, checked against what was announced.

    Recorded as a supplier parcel: the announced units leave the source, then the count
    goes through the same receipt (and discrepancy rules) as a shuttle parcel.
    """
    if task.kind != TaskKind.RECEIVE or task.allocation is None:
        raise NotFound()
    if task.status not in OPEN_TASK_STATUSES:
        raise ShuttleError(_("This delivery was already received."))
    allocation = task.allocation
    source: Location = task.counterpart_location
    if source is None or source.is_store:
        raise ShuttleError(_("This comes by shuttle: scan the parcel's label."))
    if not compare_and_set(allocation, Allocation.location_id == source.id,
                           Allocation.status == AllocationStatus.ACTIVE,
                           status=AllocationStatus.IN_TRANSIT):
        raise ShuttleError(_("This delivery was already received."))
    parcel = open_parcel(source.id, task.location_id, ParcelKind.SUPPLIER, task.order_id)
    parcel.lines.append(ParcelLine(product_id=allocation.line.product_id,
                                   quantity=allocation.quantity, bucket=ParcelBucket.ALLOCATED,
                                   allocation_id=allocation.id))
    inventory.remove_allocated(source.id, allocation.line.product_id, allocation.quantity,
                               MovementReason.SHIPMENT,
                               inventory.Ref(f"parcel:{parcel.code}", actor_id))
    now = utcnow()
    db.session.flush()
    # announced by the supplier, arriving now
    move_parcel(parcel, ParcelStatus.IN_TRANSIT, dispatched_at=now,
                expected_at=allocation.expected_at or now)
    return receive_parcel(parcel.code, counts, actor_id, task.location_id)
