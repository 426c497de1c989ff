"""Sealing: a packed parcel is closed and labelled; it gets its run or its tracking number.

Sealing twice (a double tap) changes nothing. Services flush; the caller commits.
"""
from datetime import datetime, timedelta

from flask_babel import gettext as _

from omni_store.core.clock import utcnow
from omni_store.extensions import db
from omni_store.network.models import ShuttleRoute
from omni_store.orders.models import AllocationStatus
from omni_store.shuttles.carriers import configured_carrier
from omni_store.shuttles.errors import ShuttleError
from omni_store.shuttles.models import Parcel, ParcelKind, ParcelLine, ParcelStatus
from omni_store.shuttles.packing import pack_tasks
from omni_store.shuttles.runs import active_route, next_open_run
from omni_store.shuttles.transitions import move_parcel
from omni_store.tasks.models import OPEN_TASK_STATUSES
from omni_store.tasks.services import complete_task


def seal_parcel(parcel: Parcel, actor_id: int | None, now: datetime | None = None, *,
                at_location_id: int | None = None) -> Parcel:
    """Close the parcel: a shuttle parcel gets its run, a carrier parcel its tracking number.

    `at_location_id` is the store asking (a store's screen): only the store that packed the
    parcel seals it. The run is the next one of the route whose cut-off is still ahead; if
    the plan expected an earlier run, the parcel is marked rolled over (the label says so).
    """
    now = now or utcnow()
    if at_location_id is not None and at_location_id != parcel.origin_id:
        raise ShuttleError(_("Only the store that packed a parcel seals it."))
    if parcel.status != ParcelStatus.OPEN:
        if parcel.status == ParcelStatus.SEALED:
            return parcel
        raise ShuttleError(_("Parcel %(code)s has already left.", code=parcel.code))
    if not parcel.lines or not any(line.quantity for line in parcel.lines):
        raise ShuttleError(_("Nothing is packed in this parcel yet."))
    open_pack_tasks = [t for t in pack_tasks(parcel) if t.status in OPEN_TASK_STATUSES]
    missing = [t for t in open_pack_tasks if t.done_quantity < t.quantity]
    if missing:
        raise ShuttleError(_("Still to pack: %(items)s.", items=", ".join(
            f"{t.quantity - t.done_quantity} × {t.product.name}" for t in missing)))
    refuse_if_cancelled(parcel)
    if not move_parcel(parcel, ParcelStatus.SEALED, sealed_at=now):
        return parcel  # another request sealed it a moment ago
    if parcel.kind == ParcelKind.CARRIER:
        parcel.tracking_number, parcel.carrier = configured_carrier().book(parcel)
    elif parcel.kind == ParcelKind.SHUTTLE:
        route = active_route(parcel.origin_id, parcel.destination_id)
        if route is None:
            raise ShuttleError(_("No shuttle route from %(origin)s to %(destination)s.",
                                 origin=parcel.origin.code, destination=parcel.destination.code))
        run = next_open_run(route, now)
        parcel.run = run
        planned = _planned_departure(parcel, route)
        parcel.rolled_over = planned is not None and run.departure_at > planned
    for task in open_pack_tasks:
        complete_task(task, actor_id, f"sealed in {parcel.code}")
    db.session.flush()
    return parcel


def _planned_departure(parcel: Parcel, route: ShuttleRoute) -> datetime | None:
    """The departure the order's plan counted on: expected arrival minus transit time."""
    arrivals = [line.allocation.expected_at for line in parcel.lines
                if line.allocation is not None and line.allocation.expected_at is not None]
    if not arrivals:
        return None
    return min(arrivals) - timedelta(minutes=route.transit_minutes)


def cancelled_line(parcel: Parcel) -> ParcelLine | None:
    """A line whose order was cancelled since it was packed: the parcel must be unpacked."""
    return next((line for line in parcel.lines if line.allocation is not None
                 and line.allocation.status == AllocationStatus.RELEASED), None)


def refuse_if_cancelled(parcel: Parcel) -> None:
    if (line := cancelled_line(parcel)) is not None:
        raise ShuttleError(_("Order %(number)s was cancelled: unpack parcel %(code)s and "
                             "put the items back.",
                             number=line.allocation.line.order.number, code=parcel.code))
