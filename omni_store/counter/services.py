"""Handing a ready order over at the counter (DESIGN §5, pickup order: ready → handed over).

Three steps, each a named function:
- `scan_out`: the associate scans one unit; it is recorded (idempotent per scan id).
- `hand_over`: the units scanned go to the customer (stock leaves the store as a sale),
  refused units go back to stock with a restock task, the hold shrinks; when nothing is
  left to collect the order is handed over and its hold collected.
- `clear_scans`: the associate starts a line's scanning again (e.g. before a refusal).

`hand_over` is the single place where the order changes hands, whoever confirms it: the
associate's tap, the customer's tap on their phone or their pickup code (both in
`confirmations`); each hand-over appends a record to the store's hash-chained ledger.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from omni_store.catalog.models import Barcode, Product
from omni_store.core.clock import utcnow
from omni_store.core.database import insert_or_ignore, lock_row
from omni_store.core.errors import DomainError, InvalidInput, NotFound
from omni_store.counter.ledger import record_handover
from omni_store.counter.models import HandoverScan, RefusalReason
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import MovementReason, StockLevel
from omni_store.orders.models import (
    Allocation,
    AllocationStatus,
    Hold,
    HoldStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from omni_store.orders.transitions import move_order
from omni_store.outbox.models import EventKind
from omni_store.outbox.services import record_event
from omni_store.tasks.models import TaskKind
from omni_store.tasks.services import create_task

MAX_SCAN_ID_LENGTH = 64
MAX_CODE_LENGTH = 64


class HandoverMethod(StrEnum):
    ASSOCIATE_SCAN = "associate_scan"  # each unit scanned, the associate confirms
    CUSTOMER_QR = "customer_qr"  # units scanned, the customer confirms on their phone
    PICKUP_CODE = "pickup_code"  # units scanned, the customer gives their pickup code


class HandoverRefused(DomainError):
    status_code = 409


@dataclass(frozen=True)
class HandoverResult:
    order: Order
    handed: int = 0
    refused: int = 0
    # A second submit of a hand-over that was already recorded: nothing was changed.
    already_recorded: bool = False


@dataclass
class _LineChange:
    line: OrderLine
    handed: int = 0
    refused: int = 0
    reason: str = ""
    allocations: list[Allocation] = field(default_factory=list)


# --- reading the state -----------------------------------------------------------------


def waiting_quantity(line: OrderLine) -> int:
    """Units of the line the customer has neither collected nor refused yet."""
    return line.quantity - line.handed_over_quantity - line.refused_quantity


def progress(order: Order) -> int:
    """Units settled so far: a hand-over form carries it to recognise a second submit."""
    return sum(line.handed_over_quantity + line.refused_quantity for line in order.lines)


def pending_scans(order_id: int) -> dict[int, int]:
    """Units scanned out and not yet handed over, by order line id."""
    return dict(db.session.execute(
        select(HandoverScan.order_line_id, func.count())
        .where(HandoverScan.order_id == order_id, HandoverScan.handed_over_at.is_(None))
        .group_by(HandoverScan.order_line_id)
    ).all())


def require_ready(order: Order) -> None:
    if order.status != OrderStatus.READY:
        raise HandoverRefused(_("Order %(number)s is not waiting at the counter.",
                                number=order.number))


# --- scanning out ----------------------------------------------------------------------


def scan_out(order: Order, code: str, scan_id: str, actor_id: int | None) -> OrderLine:
    """Record one scanned unit of the order; the same scan id twice counts once."""
    code, scan_id = (code or "").strip(), (scan_id or "").strip()
    if not scan_id or len(scan_id) > MAX_SCAN_ID_LENGTH:
        raise InvalidInput(_("This scan could not be recorded. Reload the page and scan again."))
    already = db.session.scalar(select(HandoverScan).filter_by(scan_id=scan_id))
    if already is not None:
        if already.order_id != order.id:
            raise InvalidInput(_("This scan could not be recorded. Reload the page and scan again."))
        return already.order_line
    require_ready(order)
    if not code:
        raise InvalidInput(_("Scan or type the barcode of the item."))
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(_("%(code)s… is not a barcode. Scan the item again.", code=code[:20]))
    line = _line_for_barcode(order, code)
    # The same scan posted twice at once: the other one counted.
    insert_or_ignore(HandoverScan, ["scan_id"], scan_id=scan_id, order_id=order.id,
                     order_line_id=line.id, actor_id=actor_id)
    return line


def _line_for_barcode(order: Order, code: str) -> OrderLine:
    product = db.session.scalar(select(Product).join(Product.barcodes).where(Barcode.code == code))
    if product is None:
        raise NotFound(_("No product has the barcode %(code)s.", code=code))
    lines = [line for line in order.lines if line.product_id == product.id]
    if not lines:
        raise HandoverRefused(_("Wrong item: %(name)s is not in order %(number)s.",
                                name=product.name, number=order.number))
    scanned = pending_scans(order.id)
    for line in lines:
        if scanned.get(line.id, 0) < waiting_quantity(line):
            return line
    raise HandoverRefused(_("Every unit of %(name)s to hand over is already scanned.",
                            name=lines[0].product.name))


def clear_scans(order: Order, line_id: int) -> None:
    """Forget the scans of a line not handed over yet, to scan or refuse it again."""
    require_ready(order)
    db.session.execute(
        delete(HandoverScan).where(
            HandoverScan.order_id == order.id, HandoverScan.order_line_id == line_id,
            HandoverScan.handed_over_at.is_(None))
    )


# --- handing over ----------------------------------------------------------------------


def hand_over(order: Order, handed: dict[int, int], refused: dict[int, tuple[int, str]],
              actor_id: int | None, method: HandoverMethod = HandoverMethod.ASSOCIATE_SCAN,
              seen_progress: int | None = None) -> HandoverResult:
    """Give the customer their units and take back the ones they refuse.

    `handed` {line id: units}; `refused` {line id: (units, reason)}. `seen_progress` is
    what the screen showed (see `progress`): if the order moved on since, this is a
    second submit and nothing changes.
    """
    _lock(order)
    if seen_progress is not None and seen_progress != progress(order):
        return HandoverResult(order, already_recorded=True)
    require_ready(order)
    changes = _validated_changes(order, handed, refused, method)
    now = utcnow()
    ref = inventory.Ref(order.reference, actor_id, str(method))
    for change in changes:
        _apply(order, change, ref, actor_id, now)
    _shrink_holds(order, sum(c.handed + c.refused for c in changes))
    if all(waiting_quantity(line) == 0 for line in order.lines):
        _close(order, actor_id, now)
    record_handover(order, [{"sku": c.line.product.sku, "handed": c.handed, "refused": c.refused}
                            for c in changes], method, actor_id, now)
    record_event(EventKind.ORDER_HANDED_OVER, f"handover:{order.number}:{progress(order)}", {
        "order": order.number,
        "store": order.pickup_location.code,
        "method": str(method),
        "handed": {c.line.product.sku: c.handed for c in changes if c.handed},
        "refused": {c.line.product.sku: [c.refused, c.reason] for c in changes if c.refused},
        "complete": order.status == OrderStatus.HANDED_OVER,
    })
    db.session.flush()
    return HandoverResult(order, sum(c.handed for c in changes), sum(c.refused for c in changes))


def _lock(order: Order) -> None:
    """Serialise hand-overs of one order: a concurrent second submit waits, then sees ours."""
    lock_row(Order, order.id)
    db.session.refresh(order)
    for line in order.lines:
        db.session.refresh(line)


def _validated_changes(order: Order, handed: dict[int, int], refused: dict[int, tuple[int, str]],
                       method: HandoverMethod) -> list[_LineChange]:
    check_refusal_reasons(refused)
    lines = {line.id: line for line in order.lines}
    unknown = (set(handed) | set(refused)) - set(lines)
    if unknown:
        raise NotFound(_("This line is not part of order %(number)s.", number=order.number))
    scanned = pending_scans(order.id)
    held = _held_allocations(order)
    changes = []
    for line_id, line in lines.items():
        change = _LineChange(line, _units(handed.get(line_id, 0)))
        refused_units, reason = refused.get(line_id, (0, ""))
        change.refused, change.reason = _units(refused_units), (reason or "").strip()
        if change.refused and not change.reason:
            raise InvalidInput(_("Say why the customer refuses %(name)s.", name=line.product.name))
        if change.handed > scanned.get(line_id, 0):
            raise HandoverRefused(_("Scan each unit of %(name)s before handing it over.",
                                    name=line.product.name))
        change.allocations = held.get(line_id, [])
        units_held = sum(a.quantity for a in change.allocations)
        if change.handed + change.refused > min(waiting_quantity(line), units_held):
            raise HandoverRefused(_("Only %(held)d unit(s) of %(name)s are held for this order.",
                                    held=min(waiting_quantity(line), units_held),
                                    name=line.product.name))
        if change.handed or change.refused:
            changes.append(change)
    if not changes:
        raise InvalidInput(_("Scan the items the customer takes, or record a refusal."))
    return changes


def check_refusal_reasons(refused: dict[int, tuple[int, str]]) -> None:
    """A refusal records one of the counter's reason codes, never free text."""
    for _units_refused, reason in refused.values():
        reason = (reason or "").strip()
        if reason and reason not in set(RefusalReason):
            raise InvalidInput(_("Choose a reason from the list."))


def _units(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(_("Quantities are whole numbers, zero or more."))
    return value


def _held_allocations(order: Order) -> dict[int, list[Allocation]]:
    """The line's units promised to it in the pickup store itself."""
    held = defaultdict(list)
    for allocation in db.session.scalars(
        select(Allocation).join(Allocation.line)
        .where(OrderLine.order_id == order.id, Allocation.status == AllocationStatus.ACTIVE,
               Allocation.location_id == order.pickup_location_id)
        .order_by(Allocation.id)
    ):
        held[allocation.order_line_id].append(allocation)
    return held


def _apply(order: Order, change: _LineChange, ref: inventory.Ref, actor_id: int | None,
           now) -> None:
    line, store_id = change.line, order.pickup_location_id
    if change.handed:
        inventory.remove_allocated(store_id, line.product_id, change.handed, MovementReason.SALE,
                                   ref)
        _settle(change, change.handed, AllocationStatus.FULFILLED)
        _consume_scans(line, change.handed, now)
        line.handed_over_quantity += change.handed
    if change.refused:
        refusal = inventory.Ref(ref.reference, actor_id, change.reason)
        inventory.release(store_id, line.product_id, change.refused, refusal)
        _settle(change, change.refused, AllocationStatus.RELEASED)
        line.refused_quantity += change.refused
        # The refused units are off the shelf, at the counter: someone puts them back.
        create_task(store_id, TaskKind.RESTOCK, now + current_app.config["PICKING_SLA"],
                    order_id=order.id, product_id=line.product_id,
                    zone_id=home_zone(store_id, line.product_id), quantity=change.refused,
                    actor_id=actor_id, note=change.reason)


def _settle(change: _LineChange, units: int, status: AllocationStatus) -> None:
    """Close `units` of the line's held allocations, splitting one when only part goes."""
    for allocation in change.allocations:
        if units == 0:
            break
        if allocation.status != AllocationStatus.ACTIVE:
            continue
        taken = min(units, allocation.quantity)
        if taken == allocation.quantity:
            allocation.status = status
        else:
            allocation.quantity -= taken
            change.line.allocations.append(Allocation(
                location_id=allocation.location_id, quantity=taken, transport=allocation.transport,
                status=status, distance_km=allocation.distance_km,
                explanation=allocation.explanation, expected_at=allocation.expected_at,
            ))
        units -= taken


def _consume_scans(line: OrderLine, units: int, now) -> None:
    scan_ids = db.session.scalars(
        select(HandoverScan.id)
        .where(HandoverScan.order_line_id == line.id, HandoverScan.handed_over_at.is_(None))
        .order_by(HandoverScan.id).limit(units)
    ).all()
    db.session.execute(
        update(HandoverScan).where(HandoverScan.id.in_(scan_ids)).values(handed_over_at=now)
        .execution_options(synchronize_session=False)
    )


def home_zone(store_id: int, product_id: int) -> int | None:
    """The zone where the store keeps the product: where released or returned units go back."""
    return db.session.scalar(
        select(StockLevel.zone_id).filter_by(location_id=store_id, product_id=product_id)
    )


def active_holds(order_id: int) -> list[Hold]:
    return list(db.session.scalars(
        select(Hold).where(Hold.order_id == order_id, Hold.status == HoldStatus.ACTIVE)
        .options(joinedload(Hold.zone)).order_by(Hold.id)
    ))


def _shrink_holds(order: Order, units: int) -> None:
    """The slot holds fewer units once some left the counter (its capacity frees up)."""
    for hold in active_holds(order.id):
        taken = min(units, hold.quantity)
        hold.quantity -= taken
        units -= taken


def _close(order: Order, actor_id: int | None, now) -> None:
    # The gate sends order_moved: a reservation's appointment ends there (appointments).
    if not move_order(order, OrderStatus.HANDED_OVER, actor_id=actor_id):
        raise HandoverRefused(_("Order %(number)s changed meanwhile. Reload the page.",
                                number=order.number))
    for hold in active_holds(order.id):
        hold.status = HoldStatus.COLLECTED
        hold.ended_at = now
