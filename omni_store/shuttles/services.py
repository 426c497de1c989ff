"""Parcel and shuttle-run transitions (DESIGN §5): pack, seal, load, dispatch, receive.

Parcel: open → sealed → loaded → in transit → received. Each transition is one
conditional UPDATE on the status it leaves, so a double tap changes nothing twice, and
every stock effect goes through the inventory services: stock in transit belongs to the
parcel, it leaves the origin at dispatch and enters the destination at receipt, and its
allocation travels with it. Services flush; the caller commits.
"""
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, or_, select, update

from omni_store.catalog.models import Barcode, Product
from omni_store.core.clock import utcnow
from omni_store.core.errors import DomainError, InvalidInput, NotFound
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import MovementReason
from omni_store.network.models import Location, ShuttleRoute
from omni_store.network.timetable import next_departure
from omni_store.orders.models import (
    OPEN_ORDER_STATUSES,
    Allocation,
    AllocationStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from omni_store.orders.promise import picking_sla
from omni_store.orders.services import CARRIER_DELIVERY, resource_shortfall
from omni_store.outbox.models import EventKind
from omni_store.outbox.services import record_event
from omni_store.shuttles.carriers import configured_carrier
from omni_store.shuttles.models import (
    NumberSequence,
    Parcel,
    ParcelBucket,
    ParcelKind,
    ParcelLine,
    ParcelStatus,
    ShuttleRun,
    ShuttleRunStatus,
)
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent, TaskKind
from omni_store.tasks.services import (
    complete_task,
    count_one_unit,
    create_task,
    start_working,
    valid_scan_id,
)

PARCEL_SEQUENCE = "parcel"
MAX_COUNT = 999  # units of one product counted in one parcel
MAX_CODE_LENGTH = 40
COUNT_TASK_DUE = timedelta(hours=4)


class ShuttleError(DomainError):
    status_code = 409


class SequenceExhausted(DomainError):
    status_code = 409


# --- numbers ---------------------------------------------------------------------------

_sequences = NumberSequence.__table__
_TAKE_NEXT = (
    update(_sequences)
    .where(
        _sequences.c.name == bindparam("sequence_name"),
        or_(_sequences.c.last_value.is_(None), _sequences.c.next_value <= _sequences.c.last_value),
    )
    .values(next_value=_sequences.c.next_value + 1)
    .returning(_sequences.c.next_value)
)


def _insert_or_ignore(model, key: str, **values) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: two requests creating the same row at once are fine."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    db.session.execute(dialect_insert(model).values(**values).on_conflict_do_nothing(
        index_elements=key.split(",")))


def next_code(sequence_name: str, pattern: str = "{:06d}", first: int = 1,
              last: int | None = None) -> str:
    """The next number of a named sequence, formatted by `pattern`.

    One conditional UPDATE hands it out, so two requests never get the same number; the
    sequence is created on first use with `first` and `last` (a range allotted by a
    carrier), and refuses once `last` has been handed out.
    """
    params = {"sequence_name": sequence_name}
    value = db.session.execute(_TAKE_NEXT, params).scalar_one_or_none()
    if value is None:
        _insert_or_ignore(NumberSequence, "name", name=sequence_name, next_value=first,
                          last_value=last)
        value = db.session.execute(_TAKE_NEXT, params).scalar_one_or_none()
    if value is None:
        raise SequenceExhausted(_("No numbers left in the range of %(name)s: ask for a new range.",
                                  name=sequence_name))
    return pattern.format(value - 1)


# --- runs ------------------------------------------------------------------------------


def departures_on(route: ShuttleRoute, day: date) -> list[datetime]:
    """The route's departures (UTC) on a local day at the origin, from its timetable."""
    zone = ZoneInfo(route.origin.timezone)
    cutoff = timedelta(minutes=route.cutoff_minutes)
    ready = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC) - cutoff
    found = []
    while (departure := next_departure(route, ready)) is not None:
        local_day = departure.astimezone(zone).date()
        if local_day > day:
            break
        if local_day == day:
            found.append(departure)
        ready = departure - cutoff + timedelta(seconds=1)
    return found


def runs_for(route: ShuttleRoute, day: date) -> list[ShuttleRun]:
    """The route's runs on a local day, created from the timetable the first time."""
    departures = departures_on(route, day)
    cutoff = timedelta(minutes=route.cutoff_minutes)
    for departure in departures:
        _insert_or_ignore(ShuttleRun, "route_id,departure_at", route_id=route.id,
                          departure_at=departure, cutoff_at=departure - cutoff,
                          status=ShuttleRunStatus.PLANNED)
    if not departures:
        return []
    return list(db.session.scalars(
        select(ShuttleRun).where(ShuttleRun.route_id == route.id,
                                 ShuttleRun.departure_at.in_(departures))
        .order_by(ShuttleRun.departure_at)
    ))


def _next_open_run(route: ShuttleRoute, ready_at: datetime) -> ShuttleRun:
    """The first run not yet gone whose cut-off is at or after `ready_at`."""
    cutoff = timedelta(minutes=route.cutoff_minutes)
    while (departure := next_departure(route, ready_at)) is not None:
        zone = ZoneInfo(route.origin.timezone)
        run = next(r for r in runs_for(route, departure.astimezone(zone).date())
                   if r.departure_at == departure)
        if run.status == ShuttleRunStatus.PLANNED:
            return run
        ready_at = departure - cutoff + timedelta(seconds=1)  # that van already left
    raise ShuttleError(_("No shuttle leaves %(origin)s for %(destination)s in the coming days.",
                         origin=route.origin.code, destination=route.destination.code))


def _route(origin_id: int, destination_id: int) -> ShuttleRoute | None:
    return db.session.scalar(select(ShuttleRoute).filter_by(
        origin_id=origin_id, destination_id=destination_id, active=True))


# --- parcels ---------------------------------------------------------------------------


def open_parcel(origin_id: int, destination_id: int | None, kind: ParcelKind,
                order_id: int | None = None) -> Parcel:
    """A new, empty parcel with its own code (printed as QR and Code 128)."""
    parcel = Parcel(code=next_code(PARCEL_SEQUENCE, "P-{:06d}"), kind=kind,
                    status=ParcelStatus.OPEN, origin_id=origin_id,
                    destination_id=destination_id, order_id=order_id)
    db.session.add(parcel)
    db.session.flush()
    return parcel


def create_parcel(origin_id: int, destination_id: int,
                  lines: list[tuple[int, int, ParcelBucket, int | None]],
                  order_id: int | None = None, actor_id: int | None = None) -> Parcel:
    """A parcel whose contents are known at once (a return sent to a warehouse).

    It goes by shuttle where a route exists, else with the daily carrier pickup. It is
    left open: it is sealed and labelled from its page, like any packed parcel.
    """
    if not lines:
        raise InvalidInput(_("A parcel needs at least one line."))
    kind = ParcelKind.SHUTTLE if _route(origin_id, destination_id) else ParcelKind.CARRIER
    parcel = open_parcel(origin_id, destination_id, kind, order_id)
    for product_id, quantity, bucket, allocation_id in lines:
        if not isinstance(quantity, int) or not 1 <= quantity <= MAX_COUNT:
            raise InvalidInput(_("A parcel line holds from 1 to %(max)d units.", max=MAX_COUNT))
        parcel.lines.append(ParcelLine(product_id=product_id, quantity=quantity,
                                       bucket=ParcelBucket(bucket), allocation_id=allocation_id))
    db.session.flush()
    return parcel


def _pack_tasks(parcel: Parcel) -> list[Task]:
    return list(db.session.scalars(
        select(Task).where(Task.parcel_id == parcel.id, Task.kind == TaskKind.PACK)
        .order_by(Task.id).execution_options(populate_existing=True)
    ))


def start_packing(task: Task, actor_id: int) -> Parcel:
    """The parcel a PACK task fills: the open one of the same order and destination, or a new one."""
    if task.kind != TaskKind.PACK:
        raise NotFound()
    start_working(task, actor_id)
    if task.parcel_id is not None:
        return task.parcel
    kind = ParcelKind.SHUTTLE if task.counterpart_location_id else ParcelKind.CARRIER
    parcel = db.session.scalar(
        select(Parcel).where(
            Parcel.origin_id == task.location_id, Parcel.order_id == task.order_id,
            Parcel.kind == kind, Parcel.status == ParcelStatus.OPEN,
            Parcel.destination_id.is_(None) if task.counterpart_location_id is None
            else Parcel.destination_id == task.counterpart_location_id,
        ).order_by(Parcel.id)
    ) or open_parcel(task.location_id, task.counterpart_location_id, kind, task.order_id)
    db.session.execute(update(Task).where(Task.id == task.id, Task.parcel_id.is_(None))
                       .values(parcel_id=parcel.id).execution_options(synchronize_session=False))
    db.session.refresh(task)
    return task.parcel


def pack_task_item(task: Task, barcode: str, actor_id: int, scan_id: str) -> Parcel:
    """A scan on a PACK task's screen: the unit goes into the task's parcel."""
    return pack_item(start_packing(task, actor_id), barcode, actor_id, scan_id)


def pack_item(parcel: Parcel, barcode: str, actor_id: int, scan_id: str) -> Parcel:
    """One scanned unit goes into the parcel, if a PACK task of the parcel expects it.

    A second request with the same scan id (a double Enter, a retried request) counts
    nothing; a wrong product is refused with its name and what is expected.
    """
    scan_id = valid_scan_id(scan_id)
    barcode = (barcode or "").strip()
    if not barcode:
        raise InvalidInput(_("Scan a product barcode."))
    if len(barcode) > MAX_CODE_LENGTH:
        raise InvalidInput(_("That is not a product barcode."))
    _lock(Parcel, parcel.id)
    db.session.refresh(parcel)
    if parcel.status != ParcelStatus.OPEN:
        raise ShuttleError(_("Parcel %(code)s is sealed: nothing more goes in.", code=parcel.code))
    tasks = [t for t in _pack_tasks(parcel) if t.status in OPEN_TASK_STATUSES]
    if db.session.scalar(select(exists().where(
            TaskEvent.task_id.in_([t.id for t in tasks] or [0]),
            TaskEvent.note == f"scan:{scan_id}"))):
        return parcel  # this scan was already counted
    product = db.session.scalar(select(Product).join(Barcode).where(Barcode.code == barcode))
    if product is None:
        raise NotFound(_("No product has the barcode %(code)s.", code=barcode))
    expected = [t for t in tasks if t.product_id == product.id]
    task = next((t for t in expected if t.done_quantity < t.quantity), None)
    if task is None:
        if expected:
            raise ShuttleError(_("All %(quantity)d × %(name)s are already in the parcel.",
                                 quantity=sum(t.quantity for t in expected), name=product.name))
        wanted = ", ".join(sorted({t.product.name for t in tasks})) or _("nothing more")
        raise ShuttleError(_("This is %(name)s: this parcel expects %(expected)s.",
                             name=product.name, expected=wanted))
    _require_picked(task)
    start_working(task, actor_id)
    if count_one_unit(task, scan_id, actor_id, limit=task.quantity):
        line = next((ln for ln in parcel.lines if ln.allocation_id == task.allocation_id), None)
        if line is None:
            line = ParcelLine(product_id=product.id, quantity=0, bucket=ParcelBucket.ALLOCATED,
                              allocation_id=task.allocation_id)
            parcel.lines.append(line)
        line.quantity += 1
        db.session.flush()
    return parcel


def _require_picked(pack: Task) -> None:
    pick = db.session.scalar(select(Task).where(
        Task.allocation_id == pack.allocation_id, Task.kind == TaskKind.PICK,
        Task.status.in_(OPEN_TASK_STATUSES)))
    if pick is not None:
        raise ShuttleError(_("Pick %(name)s first: its pick task is still open.",
                             name=pack.product.name))


def _lock(model, row_id: int) -> None:
    """Serialise requests on one row (PostgreSQL; SQLite write transactions already are)."""
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update())


def _move_parcel(parcel: Parcel, allowed_from: set[ParcelStatus], to: ParcelStatus,
                 **changes) -> bool:
    moved = db.session.execute(
        update(Parcel).where(Parcel.id == parcel.id, Parcel.status.in_(allowed_from))
        .values(status=to, **changes).execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(parcel)
    return moved


def seal_parcel(parcel: Parcel, actor_id: int | None, now: datetime | None = None) -> Parcel:
    """Close the parcel: a shuttle parcel gets its run, a carrier parcel its tracking number.

    The run is the next one of the route whose cut-off is still ahead; if the plan
    expected an earlier run, the parcel is marked rolled over (the label says so).
    Sealing twice (a double tap) changes nothing.
    """
    now = now or utcnow()
    if parcel.status != ParcelStatus.OPEN:
        if parcel.status == ParcelStatus.SEALED:
            return parcel
        raise ShuttleError(_("Parcel %(code)s has already left.", code=parcel.code))
    if not parcel.lines or not any(line.quantity for line in parcel.lines):
        raise ShuttleError(_("Nothing is packed in this parcel yet."))
    pack_tasks = [t for t in _pack_tasks(parcel) if t.status in OPEN_TASK_STATUSES]
    missing = [t for t in pack_tasks if t.done_quantity < t.quantity]
    if missing:
        raise ShuttleError(_("Still to pack: %(items)s.", items=", ".join(
            f"{t.quantity - t.done_quantity} × {t.product.name}" for t in missing)))
    _refuse_if_cancelled(parcel)
    if not _move_parcel(parcel, {ParcelStatus.OPEN}, ParcelStatus.SEALED, sealed_at=now):
        return parcel  # another request sealed it a moment ago
    if parcel.kind == ParcelKind.CARRIER:
        parcel.tracking_number, parcel.carrier = configured_carrier().book(parcel)
    elif parcel.kind == ParcelKind.SHUTTLE:
        route = _route(parcel.origin_id, parcel.destination_id)
        if route is None:
            raise ShuttleError(_("No shuttle route from %(origin)s to %(destination)s.",
                                 origin=parcel.origin.code, destination=parcel.destination.code))
        run = _next_open_run(route, now)
        parcel.run = run
        planned = _planned_departure(parcel, route)
        parcel.rolled_over = planned is not None and run.departure_at > planned
    for task in pack_tasks:
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


def _cancelled_line(parcel: Parcel) -> ParcelLine | None:
    """A line whose order was cancelled since it was packed: the parcel must be unpacked."""
    return next((line for line in parcel.lines if line.allocation is not None
                 and line.allocation.status == AllocationStatus.RELEASED), None)


def _refuse_if_cancelled(parcel: Parcel) -> None:
    if (line := _cancelled_line(parcel)) is not None:
        raise ShuttleError(_("Order %(number)s was cancelled: unpack parcel %(code)s and "
                             "put the items back.",
                             number=line.allocation.line.order.number, code=parcel.code))


# --- dock ------------------------------------------------------------------------------


def normalised_code(code: str | None) -> str:
    code = (code or "").strip().upper()
    if not code:
        raise InvalidInput(_("Scan or type a parcel code."))
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(_("That is not a parcel code."))
    return code


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
    _refuse_if_cancelled(parcel)
    _move_parcel(parcel, {ParcelStatus.SEALED}, ParcelStatus.LOADED)
    return parcel


def dispatch_run(run: ShuttleRun, actor_id: int | None, now: datetime | None = None) -> ShuttleRun:
    """The van leaves: loaded parcels go into transit, sealed ones left behind roll over."""
    now = now or utcnow()
    departed = db.session.execute(
        update(ShuttleRun).where(ShuttleRun.id == run.id,
                                 ShuttleRun.status == ShuttleRunStatus.PLANNED)
        .values(status=ShuttleRunStatus.DEPARTED, dispatched_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(run)
    if not departed:
        return run  # dispatched a moment ago
    route = run.route
    expected_at = max(run.departure_at, now) + timedelta(minutes=route.transit_minutes)
    parcels = list(db.session.scalars(select(Parcel).where(Parcel.run_id == run.id)
                                      .order_by(Parcel.code)))
    # A parcel whose order was cancelled after loading is taken off the van, and one parcel
    # to unpack does not keep the others at the dock.
    loaded = [p for p in parcels if p.status == ParcelStatus.LOADED and _cancelled_line(p) is None]
    for parcel in parcels:
        if parcel.status == ParcelStatus.LOADED and parcel not in loaded:
            _move_parcel(parcel, {ParcelStatus.LOADED}, ParcelStatus.SEALED)
    left_behind = [p for p in parcels if p.status == ParcelStatus.SEALED]
    for parcel in loaded:
        _ship_out(parcel, MovementReason.TRANSFER_OUT, AllocationStatus.IN_TRANSIT, actor_id)
        _move_parcel(parcel, {ParcelStatus.LOADED}, ParcelStatus.IN_TRANSIT,
                     dispatched_at=now, expected_at=expected_at)
    if left_behind:
        next_run = _next_open_run(route, run.departure_at - timedelta(
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
        if _cancelled_line(parcel) is not None:
            continue  # its order was cancelled since it was sealed: it stays to be unpacked
        if not _move_parcel(parcel, {ParcelStatus.SEALED}, ParcelStatus.IN_TRANSIT,
                            dispatched_at=now, expected_at=now + CARRIER_DELIVERY):
            continue
        _ship_out(parcel, MovementReason.SHIPMENT, AllocationStatus.FULFILLED, actor_id)
        handed.append(parcel)
    db.session.flush()
    for order_id in {p.order_id for p in handed if p.order_id is not None}:
        _ship_order_if_complete(order_id)
    return handed


def _ship_order_if_complete(order_id: int) -> None:
    """A shipped order: none of its units is still promised anywhere."""
    still_promised = db.session.scalar(select(exists().where(
        Allocation.order_line_id == OrderLine.id, OrderLine.order_id == order_id,
        Allocation.status.in_([AllocationStatus.ACTIVE, AllocationStatus.IN_TRANSIT]))))
    if not still_promised:
        db.session.execute(
            update(Order).where(Order.id == order_id, Order.status.in_(OPEN_ORDER_STATUSES))
            .values(status=OrderStatus.SHIPPED).execution_options(synchronize_session=False))


# --- receipt ---------------------------------------------------------------------------


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
    now = utcnow()
    if not _move_parcel(parcel, {ParcelStatus.IN_TRANSIT}, ParcelStatus.RECEIVED, received_at=now):
        raise ShuttleError(_("Parcel %(code)s was already received.", code=code))
    _spread_counts(parcel, counts)
    ref = inventory.Ref(f"parcel:{parcel.code}", actor_id)
    for line in parcel.lines:
        _receive_line(parcel, line, ref, actor_id)
    _close_receive_tasks(parcel, actor_id)
    if parcel.run_id is not None:
        _arrive_run_if_complete(parcel.run_id)
    db.session.flush()
    if parcel.order is not None:
        from omni_store.orders.fulfilment import advance

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


def _arrive_run_if_complete(run_id: int) -> None:
    still_travelling = exists().where(Parcel.run_id == run_id,
                                      Parcel.status == ParcelStatus.IN_TRANSIT)
    db.session.execute(
        update(ShuttleRun).where(ShuttleRun.id == run_id,
                                 ShuttleRun.status == ShuttleRunStatus.DEPARTED, ~still_travelling)
        .values(status=ShuttleRunStatus.ARRIVED).execution_options(synchronize_session=False))


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
    left_source = db.session.execute(
        update(Allocation).where(Allocation.id == allocation.id,
                                 Allocation.location_id == source.id,
                                 Allocation.status == AllocationStatus.ACTIVE)
        .values(status=AllocationStatus.IN_TRANSIT).execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(allocation)
    if not left_source:
        raise ShuttleError(_("This delivery was already received."))
    parcel = open_parcel(source.id, task.location_id, ParcelKind.SUPPLIER, task.order_id)
    parcel.lines.append(ParcelLine(product_id=allocation.line.product_id,
                                   quantity=allocation.quantity, bucket=ParcelBucket.ALLOCATED,
                                   allocation_id=allocation.id))
    inventory.remove_allocated(source.id, allocation.line.product_id, allocation.quantity,
                               MovementReason.SHIPMENT,
                               inventory.Ref(f"parcel:{parcel.code}", actor_id))
    now = utcnow()
    parcel.status = ParcelStatus.IN_TRANSIT  # announced by the supplier, arriving now
    parcel.dispatched_at = now
    parcel.expected_at = allocation.expected_at or now
    db.session.flush()
    return receive_parcel(parcel.code, counts, actor_id, task.location_id)
