"""Customer returns (DESIGN §5): started → lines inspected → dispositions applied → done.

A return can be taken in any store, for an order of any store or channel; it is recorded
at the store that takes it, and its stock effects happen there. Named transitions:
`start_return`, `add_return_line` (chosen and inspected in one step), `remove_return_line`,
`complete_return`, `cancel_return` (their status moves through `transitions.move_return`).

Refund policy (v1, explicit): unit price × quantity, in full, except for an item damaged
by the customer (condition DAMAGED), refunded at half price. A defective item is the
product's fault and refunded in full. Marketplace lines are refunded by the seller's
process: their amount travels with the MARKETPLACE_RETURN event, not in the chain's
REFUND_TO_ISSUE.
"""
from uuid import uuid4

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from omni_store.core.clock import utcnow
from omni_store.core.database import lock_row
from omni_store.core.errors import DomainError, InvalidInput, NotFound
from omni_store.counter.services import home_zone
from omni_store.extensions import db
from omni_store.inventory import services as inventory
from omni_store.inventory.models import MovementReason
from omni_store.network.geo import haversine_km
from omni_store.network.models import Location, LocationKind
from omni_store.orders.models import Order, OrderLine, OrderStatus
from omni_store.outbox.models import EventKind
from omni_store.outbox.services import record_event
from omni_store.returns.models import (
    Disposition,
    Return,
    ReturnCondition,
    ReturnLine,
    ReturnStatus,
)
from omni_store.returns.transitions import move_return
from omni_store.shuttles.models import ParcelBucket
from omni_store.shuttles.packing import create_parcel
from omni_store.tasks.models import TaskKind
from omni_store.tasks.services import create_task

# Orders whose units reached the customer. (A partly collected READY order is not
# returnable yet: its customer can still refuse units at the counter.)
RETURNABLE_ORDER_STATUSES = frozenset({OrderStatus.HANDED_OVER, OrderStatus.SHIPPED})
# Share of the price refunded, in percent, by the condition the item comes back in.
REFUND_PERCENT = {
    ReturnCondition.AS_NEW: 100,
    ReturnCondition.OPENED: 100,
    ReturnCondition.DEFECTIVE: 100,
    ReturnCondition.DAMAGED: 50,  # damaged by the customer
}
# Only an item in a condition to be sold again goes back on sale here.
RESELLABLE_CONDITIONS = frozenset({ReturnCondition.AS_NEW, ReturnCondition.OPENED})
OWN_STOCK_DISPOSITIONS = frozenset(Disposition) - {Disposition.SELLER_PROCESS}
MAX_REASON_LENGTH = 200


class ReturnRefused(DomainError):
    status_code = 409


# --- what can still come back -----------------------------------------------------------


def sold_quantity(line: OrderLine) -> int:
    """Units the customer actually received on this line."""
    if line.order.status == OrderStatus.SHIPPED:
        return line.quantity
    return line.handed_over_quantity


def returned_quantities(order_id: int) -> dict[int, int]:
    """Units already returned, by order line id, in completed returns."""
    return dict(db.session.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(ReturnLine.return_)
        .where(Return.order_id == order_id, Return.status == ReturnStatus.DONE)
        .group_by(ReturnLine.order_line_id)
    ).all())


def returnable_quantities(order: Order, in_progress: Return | None = None) -> dict[int, int]:
    """Units of each line that may still be returned (minus those in `in_progress`)."""
    returned = returned_quantities(order.id)
    if in_progress is not None:
        for line in in_progress.lines:
            returned[line.order_line_id] = returned.get(line.order_line_id, 0) + line.quantity
    return {line.id: max(sold_quantity(line) - returned.get(line.id, 0), 0) for line in order.lines}


def refund_total(return_: Return) -> int:
    """What the chain refunds: its own stock's lines (a marketplace seller refunds theirs)."""
    return sum(line.refund_cents for line in return_.lines
               if line.disposition in OWN_STOCK_DISPOSITIONS)


def refund_for(line: OrderLine, quantity: int, condition: ReturnCondition) -> int:
    return line.unit_price_cents * quantity * REFUND_PERCENT[condition] // 100


# --- transitions ----------------------------------------------------------------------------


def start_return(order: Order, store_id: int, actor_id: int | None) -> Return:
    """Open a return of `order` at the store taking it."""
    if order.status not in RETURNABLE_ORDER_STATUSES:
        raise ReturnRefused(_("Order %(number)s has not reached its customer yet: nothing to return.",
                              number=order.number))
    if not any(returnable_quantities(order).values()):
        raise ReturnRefused(_("Everything in order %(number)s has already been returned.",
                              number=order.number))
    return_ = Return(number=f"tmp-{uuid4().hex[:16]}", order_id=order.id, location_id=store_id,
                     status=ReturnStatus.STARTED, actor_id=actor_id)
    db.session.add(return_)
    db.session.flush()
    # Derived from the id, the number is unique however many returns start at once.
    return_.number = f"R{return_.id:06d}"
    db.session.flush()
    return return_


def add_return_line(return_: Return, order_line_id: int, quantity: int, reason: str,
                    condition: str, disposition: str) -> ReturnLine:
    """The associate inspected units of one line and says what becomes of them."""
    _require_started(return_)
    line = next((line for line in return_.order.lines if line.id == order_line_id), None)
    if line is None:
        raise NotFound(_("This line is not part of order %(number)s.", number=return_.order.number))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput(_("Quantity must be a whole number above zero."))
    left = returnable_quantities(return_.order, in_progress=return_)[line.id]
    if quantity > left:
        raise ReturnRefused(_("Only %(left)d unit(s) of %(name)s can still be returned.",
                              left=left, name=line.product.name))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why %(name)s comes back.", name=line.product.name))
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(_("The reason is too long: %(limit)d characters at most.",
                             limit=MAX_REASON_LENGTH))
    condition = _member(ReturnCondition, condition, _("Choose the condition of the item."))
    disposition = _member(Disposition, disposition, _("Choose what happens to the item."))
    _check_disposition(line, condition, disposition)
    return_line = ReturnLine(order_line_id=line.id, quantity=quantity, reason=reason,
                             condition=condition, disposition=disposition,
                             refund_cents=refund_for(line, quantity, condition))
    return_.lines.append(return_line)
    db.session.flush()
    return return_line


def remove_return_line(return_: Return, return_line_id: int) -> None:
    """Take a line out of a return that is not completed yet."""
    _require_started(return_)
    line = next((line for line in return_.lines if line.id == return_line_id), None)
    if line is not None:  # already removed: a second tap changes nothing
        return_.lines.remove(line)
        db.session.flush()


def complete_return(return_: Return, actor_id: int | None) -> Return:
    """Apply every line's disposition and record the refund; a second submit changes nothing."""
    if return_.status == ReturnStatus.STARTED and not return_.lines:
        raise ReturnRefused(_("Add at least one item to the return."))
    # The order row is the lock: two returns of one order never both take its last unit.
    lock_row(Order, return_.order_id)
    if not move_return(return_, ReturnStatus.DONE, completed_at=utcnow(), actor_id=actor_id):
        if return_.status == ReturnStatus.DONE:
            return return_
        raise ReturnRefused(_("Return %(number)s was cancelled.", number=return_.number))
    _check_still_returnable(return_)
    ref = inventory.Ref(f"return:{return_.number}", actor_id)
    to_warehouse = [line for line in return_.lines
                    if line.disposition == Disposition.SEND_TO_WAREHOUSE]
    for line in return_.lines:
        _apply_disposition(return_, line, ref, actor_id)
    if to_warehouse:
        _send_to_warehouse(return_, to_warehouse, actor_id)
    return_.refund_cents = refund_total(return_)
    if return_.refund_cents:
        record_event(EventKind.REFUND_TO_ISSUE, f"refund:{return_.number}", {
            "return": return_.number,
            "order": return_.order.number,
            "store": return_.location.code,
            "amount_cents": return_.refund_cents,
            "currency": "EUR",
            "lines": [{"sku": line.order_line.product.sku, "quantity": line.quantity,
                       "condition": str(line.condition), "amount_cents": line.refund_cents}
                      for line in return_.lines if line.disposition in OWN_STOCK_DISPOSITIONS],
        })
    db.session.flush()
    return return_


def cancel_return(return_: Return) -> None:
    """Abandon a return before anything was applied; cancelling twice is harmless."""
    if not move_return(return_, ReturnStatus.CANCELLED) \
            and return_.status != ReturnStatus.CANCELLED:
        raise ReturnRefused(_("Return %(number)s is completed; it can no longer be cancelled.",
                              number=return_.number))


# --- rules -----------------------------------------------------------------------------------


def _require_started(return_: Return) -> None:
    if return_.status != ReturnStatus.STARTED:
        raise ReturnRefused(_("Return %(number)s is closed; it can no longer be changed.",
                              number=return_.number))


def _member(enum, value, message):
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(message) from None


def _check_disposition(line: OrderLine, condition: ReturnCondition,
                       disposition: Disposition) -> None:
    if line.offer_id is not None and disposition != Disposition.SELLER_PROCESS:
        raise ReturnRefused(_("%(name)s was sold by a marketplace seller: it goes back through "
                              "the seller's return process.", name=line.product.name))
    if line.offer_id is None and disposition == Disposition.SELLER_PROCESS:
        raise ReturnRefused(_("%(name)s is our own stock, not a marketplace seller's.",
                              name=line.product.name))
    if disposition == Disposition.RESTOCK_HERE and condition not in RESELLABLE_CONDITIONS:
        raise ReturnRefused(_("A damaged or defective item cannot go back on sale. "
                              "Quarantine it or send it away."))


def _check_still_returnable(return_: Return) -> None:
    """Another return of the same order may have been completed since the lines were added."""
    returned = returned_quantities(return_.order_id)
    for order_line in return_.order.lines:
        # returned_quantities already counts this return (its status is DONE now).
        if returned.get(order_line.id, 0) > sold_quantity(order_line):
            raise ReturnRefused(_("Units of %(name)s were returned meanwhile. Check the return "
                                  "again.", name=order_line.product.name))


def _apply_disposition(return_: Return, line: ReturnLine, ref: inventory.Ref,
                       actor_id: int | None) -> None:
    store_id, product = return_.location_id, line.order_line.product
    match line.disposition:
        case Disposition.RESTOCK_HERE:
            inventory.receive(store_id, product.id, line.quantity, ref,
                              reason=MovementReason.RETURN_RESTOCK)
            # Sellable at once, but at the returns desk until someone puts it back in its zone.
            create_task(store_id, TaskKind.RESTOCK,
                        utcnow() + current_app.config["PICKING_SLA"], order_id=return_.order_id,
                        product_id=product.id, zone_id=home_zone(store_id, product.id),
                        quantity=line.quantity, actor_id=actor_id,
                        note=f"return {return_.number}")
        case Disposition.QUARANTINE | Disposition.SEND_TO_WAREHOUSE:
            inventory.to_quarantine(store_id, product.id, line.quantity, ref, from_sellable=False)
        case Disposition.BACK_TO_SUPPLIER:
            inventory.to_quarantine(store_id, product.id, line.quantity, ref, from_sellable=False)
            # The catalogue does not say who supplied the item: purchasing (ERP) does, and
            # arranges the supplier's pickup; the units wait in quarantine here until then.
            record_event(EventKind.SUPPLIER_RETURN, f"supplier-return:{return_.number}:{line.id}", {
                "return": return_.number, "store": return_.location.code, "sku": product.sku,
                "quantity": line.quantity, "condition": str(line.condition),
                "reason": line.reason,
            })
        case Disposition.SELLER_PROCESS:
            offer = line.order_line.offer
            record_event(EventKind.MARKETPLACE_RETURN,
                         f"marketplace-return:{return_.number}:{line.id}", {
                             "return": return_.number, "order": return_.order.number,
                             "store": return_.location.code, "seller": offer.seller.code,
                             "sku": product.sku, "quantity": line.quantity,
                             "condition": str(line.condition), "reason": line.reason,
                             "refund_cents": line.refund_cents,
                         })


def _send_to_warehouse(return_: Return, lines: list[ReturnLine], actor_id: int | None) -> None:
    """One parcel from the store to its nearest warehouse, to pack and dispatch."""
    warehouse = nearest_warehouse(return_.location)
    if warehouse is None:
        raise ReturnRefused(_("No warehouse takes returns at the moment: quarantine the item here."))
    create_parcel(
        return_.location_id, warehouse.id,
        lines=[(line.order_line.product_id, line.quantity, ParcelBucket.QUARANTINE, None)
               for line in lines],
        order_id=return_.order_id, actor_id=actor_id,
    )


def nearest_warehouse(store: Location) -> Location | None:
    warehouses = db.session.scalars(
        select(Location).filter_by(kind=LocationKind.WAREHOUSE, active=True)
    ).all()
    return min(warehouses, default=None, key=lambda w: (
        haversine_km(store.latitude, store.longitude, w.latitude, w.longitude), w.code))
