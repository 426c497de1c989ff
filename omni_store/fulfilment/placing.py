"""Placing an order, or a line more: the order, its allocations and its store work (DESIGN §4, §5).

Validation comes first and writes nothing; then intake writes the order and its
allocations and the work is created inside one SAVEPOINT: a line that cannot be covered
undoes the whole intake. Services flush; the caller commits.
"""
from dataclasses import replace
from datetime import timedelta

from flask_babel import gettext as _

from omni_store.catalog.models import Offer
from omni_store.core.clock import utcnow
from omni_store.core.database import MAX_ROW_ID, compare_and_set, lock_row
from omni_store.core.errors import InvalidInput, NotAvailable, NotFound
from omni_store.extensions import db
from omni_store.fulfilment.work import create_work
from omni_store.inventory.models import Channel
from omni_store.orders.allocating import destination_of, repromise
from omni_store.orders.intake import (
    OrderRequest,
    create_order,
    sourcing_rules,
    take_line,
    take_order,
    validate,
    validate_new_line,
)
from omni_store.orders.models import DeliveryMethod, Order, OrderLine, OrderStatus
from omni_store.orders.sourcing import SourcingRules
from omni_store.orders.transitions import move_order


def place_order(request: OrderRequest, actor_id: int | None = None,
                rules: SourcingRules | None = None) -> Order:
    """Create, source and allocate an order, with its tasks; NotAvailable leaves no trace.

    By default the retailer's saved sourcing rules (`current_rules`) choose the sources.
    """
    now = utcnow()
    valid = validate(request, now)
    rules = sourcing_rules(request.appointment_at, valid.destination, now, rules)
    with db.session.begin_nested():
        order, sourced = take_order(request, valid, rules, now, actor_id)
        create_work(order, sourced, now, actor_id)
    return order


def place_marketplace_order(request: OrderRequest, offer_id: int) -> Order:
    """Home delivery of one line sold by a marketplace seller: no own stock is allocated
    and no store works on it; the seller's stock goes down and its lead time is the promise."""
    request = replace(request, delivery_method=DeliveryMethod.HOME, channel=Channel.MARKETPLACE)
    now = utcnow()
    valid = validate(request, now)
    if len(valid.quantities) != 1:
        raise InvalidInput(_("A marketplace order has exactly one line."))
    ((product, quantity),) = valid.quantities.items()
    offer = db.session.get(Offer, offer_id) if 1 <= offer_id <= MAX_ROW_ID else None
    if offer is None or offer.product_id != product.id:
        raise NotFound(_("This marketplace offer does not exist for %(sku)s.", sku=product.sku))
    with db.session.begin_nested():
        if not compare_and_set(offer, Offer.stock >= quantity, stock=Offer.stock - quantity):
            raise NotAvailable(_("Seller %(seller)s no longer has %(quantity)d in stock.",
                                 seller=offer.seller.name, quantity=quantity))
        order = create_order(request, valid, now)
        order.lines[0].offer = offer
        order.lines[0].unit_price_cents = offer.price_cents
        order.promised_at = now + timedelta(days=offer.lead_time_days)
        db.session.flush()
    return order


def add_line(order: Order, sku: str, quantity: int, actor_id: int | None) -> OrderLine:
    """Another product for an open store order (a product to compare at an appointment):
    sourced, allocated and given its tasks like the first lines, in time for the
    appointment if there is one; NotAvailable leaves no trace."""
    lock_row(Order, order.id)  # two additions at once: each sees the other's line
    db.session.refresh(order)
    product, quantity = validate_new_line(order, sku, quantity)
    now = utcnow()
    destination = destination_of(order)
    rules = sourcing_rules(order.appointment_at, destination, now)
    with db.session.begin_nested():
        line, sourced = take_line(order, product, quantity, destination, rules, now, actor_id)
        create_work(order, sourced, now, actor_id)
        repromise(order, destination)
        if order.status == OrderStatus.READY:
            # The new units join the others in the hold zone before the order is ready again.
            move_order(order, OrderStatus.PICKING, actor_id=actor_id, note="line added")
        db.session.flush()
    return line
