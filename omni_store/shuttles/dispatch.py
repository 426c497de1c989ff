"""The dock and the carrier pickup: parcels are loaded onto a run, the van leaves, the
carrier takes its parcels.

Stock in transit belongs to the parcel: it leaves the origin at dispatch, and its
allocation travels with it. Services flush; the caller commits.
"""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select

from omni_store.core.clock import utcnow
from omni_store.core.errors import NotFound
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import MovementReason
from omni_store.orders.models import Allocation, AllocationStatus, Order, OrderLine, OrderStatus
from omni_store.orders.promise import CARRIER_DELIVERY
from omni_store.orders.transitions import move_order
from omni_store.outbox.models import EventKind
from omni_store.outbox.services import record_event
from omni_store.shuttles.errors import ShuttleError
from omni_store.shuttles.models import (
    Parcel,
    ParcelBucket,
    ParcelKind,
    ParcelStatus,
    ShuttleRun,
    ShuttleRunStatus,
)
from omni_store.shuttles.packing import normalised_code
from omni_store.shuttles.runs import next_open_run
from omni_store.shuttles.sealing import cancelled_line, refuse_if_cancelled
from omni_store.shuttles.transitions import move_parcel, move_run


def load_parcel(run: ShuttleRun, parcel_code: str, actor_id: int | None) -> Parcel:
    """A parcel scanned onto the van at the dock; the wrong run or destination is refused."""
    code = normalised_code(parcel_code)
    route = run.route
    parcel = db.session.scalar(select(Parcel).filter_by(code=code, origin_id=route.origin_id))
    if parcel is None:
        raise NotFound(_("No parcel %(code)s leaves from this store.", code=code))
    if parcel.status == ParcelStatus.LOADED and parcel.run_id == run.id:
        return parcel  # scanned twice
    if run.status != ShuttleRunStatus.PLANNED:
        raise ShuttleError(_("This run has already left."))
    if parcel.status == ParcelStatus.OPEN:
        raise ShuttleError(_("Parcel %(code)s is not sealed yet: seal it and stick its label first.",
                             code=code))
    if parcel.status != ParcelStatus.SEALED:
        raise ShuttleError(_("Parcel %(code)s has already left.", code=code))
    if parcel.kind != ParcelKind.SHUTTLE:
        raise ShuttleError(_("Parcel %(code)s goes with the carrier pickup, not on a shuttle.",
                             code=code))
    if parcel.destination_id != route.destination_id:
        raise ShuttleError(_("Parcel %(code)s goes to %(parcel_to)s, not on this run to %(run_to)s.",
                             code=code, parcel_to=parcel.destination.code,
                             run_to=route.destination.code))
    if parcel.run_id != run.id:
        raise ShuttleError(_("Parcel %(code)s goes on another run of this route.", code=code))
    refuse_if_cancelled(parcel)
    move_parcel(parcel, ParcelStatus.LOADED)
    return parcel


def dispatch_run(run: ShuttleRun, actor_id: int | None, now: datetime | None = None) -> ShuttleRun:
    """The van leaves: loaded parcels go into transit, sealed ones left behind roll over."""
    now = now or utcnow()
    if not move_run(run, ShuttleRunStatus.DEPARTED, dispatched_at=now):
        return run  # dispatched a moment ago
    route = run.route
    expected_at = max(run.departure_at, now) + timedelta(minutes=route.transit_minutes)
    parcels = list(db.session.scalars(select(Parcel).where(Parcel.run_id == run.id)
                                      .order_by(Parcel.code)))
    # A parcel whose order was cancelled after loading is taken off the van, and one parcel
    # to unpack does not keep the others at the dock.
    loaded = [p for p in parcels if p.status == ParcelStatus.LOADED and cancelled_line(p) is None]
    for parcel in parcels:
        if parcel.status == ParcelStatus.LOADED and parcel not in loaded:
            move_parcel(parcel, ParcelStatus.SEALED)
    left_behind = [p for p in parcels if p.status == ParcelStatus.SEALED]
    for parcel in loaded:
        _ship_out(parcel, MovementReason.TRANSFER_OUT, AllocationStatus.IN_TRANSIT, actor_id)
        move_parcel(parcel, ParcelStatus.IN_TRANSIT, dispatched_at=now, expected_at=expected_at)
    if left_behind:
        next_run = next_open_run(route, run.departure_at - timedelta(
            minutes=route.cutoff_minutes) + timedelta(seconds=1))
        for parcel in left_behind:
            parcel.run = next_run
            parcel.rolled_over = True
    record_event(EventKind.SHUTTLE_DISPATCHED, f"shuttle_dispatched:run:{run.id}", {
        "run": run.id,
        "origin": route.origin.code,
        "destination": route.destination.code,
        "departed_at": now.isoformat(),
        "expected_at": expected_at.isoformat(),
        "parcels": [p.code for p in loaded],
    })
    db.session.flush()
    return run


def _ship_out(parcel: Parcel, reason: MovementReason, allocation_status: AllocationStatus,
              actor_id: int | None) -> None:
    """The parcel's units leave its origin; its allocations travel (or end) with them."""
    ref = inventory.Ref(f"parcel:{parcel.code}", actor_id)
    for line in parcel.lines:
        if line.bucket == ParcelBucket.QUARANTINE:
            inventory.remove_quarantined(parcel.origin_id, line.product_id, line.quantity,
                                         reason, ref)
            continue
        allocation = line.allocation
        if allocation is None or allocation.status != AllocationStatus.ACTIVE:
            raise ShuttleError(_("Parcel %(code)s holds items no order is waiting for any more: "
                                 "take it off and unpack it.", code=parcel.code))
        inventory.remove_allocated(parcel.origin_id, line.product_id, line.quantity, reason, ref)
        allocation.status = allocation_status


def hand_to_carrier(origin_id: int, actor_id: int | None, now: datetime | None = None) -> list[Parcel]:
    """The carrier's daily pickup: every sealed carrier parcel of the store leaves with it."""
    now = now or utcnow()
    parcels = list(db.session.scalars(
        select(Parcel).where(Parcel.origin_id == origin_id, Parcel.kind == ParcelKind.CARRIER,
                             Parcel.status == ParcelStatus.SEALED).order_by(Parcel.code)
    ))
    if not parcels:
        raise ShuttleError(_("No sealed carrier parcel is waiting for the pickup."))
    handed = []
    for parcel in parcels:
        if cancelled_line(parcel) is not None:
            continue  # its order was cancelled since it was sealed: it stays to be unpacked
        if not move_parcel(parcel, ParcelStatus.IN_TRANSIT, dispatched_at=now,
                           expected_at=now + CARRIER_DELIVERY):
            continue
        _ship_out(parcel, MovementReason.SHIPMENT, AllocationStatus.FULFILLED, actor_id)
        handed.append(parcel)
    db.session.flush()
    for order_id in sorted({p.order_id for p in handed if p.order_id is not None}):
        _ship_order_if_complete(db.session.get(Order, order_id), actor_id)
    return handed


def _ship_order_if_complete(order: Order, actor_id: int | None) -> None:
    """A shipped order: none of its units is still promised anywhere."""
    still_promised = db.session.scalar(select(exists().where(
        Allocation.order_line_id == OrderLine.id, OrderLine.order_id == order.id,
        Allocation.status.in_([AllocationStatus.ACTIVE, AllocationStatus.IN_TRANSIT]))))
    if not still_promised:
        move_order(order, OrderStatus.SHIPPED, actor_id=actor_id)
